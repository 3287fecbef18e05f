/** Draws a state machine definition: Mermaid text and a self-contained SVG. Pure, no AWS imports. */
export interface GraphState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Seconds?: number;
  Comment?: string;
}

export interface GraphDefinition {
  StartAt: string;
  States: Record<string, GraphState>;
}

interface Edge {
  from: string;
  to: string;
  label?: string;
}

function edges(def: GraphDefinition): Edge[] {
  const out: Edge[] = [{ from: '[start]', to: def.StartAt }];
  for (const [name, s] of Object.entries(def.States)) {
    if (s.Next) out.push({ from: name, to: s.Next });
    for (const c of s.Choices ?? []) out.push({ from: name, to: c.Next, label: 'yes' });
    if (s.Default) out.push({ from: name, to: s.Default, label: 'no' });
    if (s.End || s.Type === 'Succeed' || s.Type === 'Fail') out.push({ from: name, to: '[end]' });
  }
  return out;
}

/** States in the order a reader meets them (breadth first from StartAt). */
function order(def: GraphDefinition): string[] {
  const seen: string[] = [];
  const queue = [def.StartAt];
  while (queue.length) {
    const n = queue.shift()!;
    if (seen.includes(n) || !def.States[n]) continue;
    seen.push(n);
    const s = def.States[n]!;
    for (const next of [s.Next, ...(s.Choices ?? []).map((c) => c.Next), s.Default]) if (next) queue.push(next);
  }
  // The main path first, the early endings after it: reads top to bottom like the process.
  const terminal = (n: string) => ['Succeed', 'Fail'].includes(def.States[n]!.Type);
  return [...seen.filter((n) => !terminal(n)), ...seen.filter(terminal)];
}

const id = (name: string, names: string[]) => (name === '[start]' ? 'start' : name === '[end]' ? 'finish' : `s${names.indexOf(name)}`);

export function toMermaid(def: GraphDefinition): string {
  const names = order(def);
  const lines = ['flowchart TD', '  start((start))', '  finish((end))'];
  for (const n of names) {
    const s = def.States[n]!;
    const label = n.replace(/"/g, "'");
    lines.push(s.Type === 'Choice' ? `  ${id(n, names)}{"${label}"}` : s.Type === 'Wait' ? `  ${id(n, names)}(["${label}"])` : `  ${id(n, names)}["${label}"]`);
  }
  for (const e of edges(def)) lines.push(`  ${id(e.from, names)} -->${e.label ? `|${e.label}|` : ''} ${id(e.to, names)}`);
  return `${lines.join('\n')}\n`;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function toSvg(def: GraphDefinition, title: string): string {
  const names = ['[start]', ...order(def), '[end]'];
  const W = 360;
  const H = 44;
  const GAP = 36;
  const X = 60;
  const y = (n: string) => 50 + names.indexOf(n) * (H + GAP);
  const parts: string[] = [];
  for (const n of names) {
    const s = def.States[n];
    const top = y(n);
    const fill = !s ? '#eee' : s.Type === 'Wait' ? '#e8f0fe' : s.Type === 'Choice' ? '#fff4e5' : s.Type === 'Task' ? '#e6f4ea' : '#f3e8fd';
    const rx = !s ? 22 : s.Type === 'Wait' ? 22 : 4;
    const label = n === '[start]' ? 'start' : n === '[end]' ? 'end' : n;
    parts.push(`<rect x="${X}" y="${top}" width="${W}" height="${H}" rx="${rx}" fill="${fill}" stroke="#555"/>`);
    parts.push(`<text x="${X + W / 2}" y="${top + H / 2 + 5}" text-anchor="middle" font-family="sans-serif" font-size="14">${esc(label)}${s ? ` <tspan fill="#777" font-size="11">${s.Type}</tspan>` : ''}</text>`);
  }
  let side = 0;
  for (const e of edges(def)) {
    const y1 = y(e.from) + H;
    const y2 = y(e.to);
    if (names.indexOf(e.to) === names.indexOf(e.from) + 1) {
      parts.push(`<line x1="${X + W / 2}" y1="${y1}" x2="${X + W / 2}" y2="${y2}" stroke="#333" marker-end="url(#arrow)"/>`);
      if (e.label) parts.push(`<text x="${X + W / 2 + 6}" y="${y1 + 20}" font-family="sans-serif" font-size="11">${e.label}</text>`);
    } else {
      side += 14;
      const xs = X + W + side;
      parts.push(`<path d="M ${X + W} ${y1 - H / 2} H ${xs} V ${y2 + H / 2} H ${X + W}" fill="none" stroke="#999" marker-end="url(#arrow)"/>`);
      if (e.label) parts.push(`<text x="${xs + 4}" y="${y1}" font-family="sans-serif" font-size="11">${e.label}</text>`);
    }
  }
  const height = 50 + names.length * (H + GAP);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${X + W + side + 80}" height="${height}" viewBox="0 0 ${X + W + side + 80} ${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>
<rect width="100%" height="100%" fill="white"/>
<text x="${X}" y="28" font-family="sans-serif" font-size="16" font-weight="bold">${esc(title)}</text>
${parts.join('\n')}
</svg>
`;
}
