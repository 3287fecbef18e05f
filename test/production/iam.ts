import type { IamStatement } from './cloud-assembly.ts';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`, caseInsensitive ? 'i' : '');
  return re.test(value);
}

/**
 * Whether a role's identity-based statements allow `action` on every one of `resources`: an
 * explicit Deny wins, then some Allow must match. Conditions are not evaluated (the engine's
 * roles have none on the calls the stand-in serves); NotAction and NotResource are refused so
 * a statement using them cannot be misread.
 */
export function allows(statements: readonly IamStatement[], action: string, resources: readonly string[]): boolean {
  const matches = (s: IamStatement, resource: string) => {
    if (s.NotAction !== undefined || (s as { NotResource?: unknown }).NotResource !== undefined) {
      throw new Error(`IAM statement with NotAction/NotResource is not evaluated by the harness: ${JSON.stringify(s).slice(0, 200)}`);
    }
    return list(s.Action).some((a) => wildcard(a, action, true)) && list(s.Resource).some((p) => wildcard(p, resource, false));
  };
  return resources.every((resource) => {
    if (statements.some((s) => s.Effect === 'Deny' && matches(s, resource))) return false;
    return statements.some((s) => s.Effect === 'Allow' && matches(s, resource));
  });
}
