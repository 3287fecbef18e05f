import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The Java process, for memory readings. */
  pid: number | undefined;
  /** false when no JDK compiler was found to build the loopback launcher: then it listens on every interface. */
  loopbackOnly: boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

const LAUNCHER_SOURCE = fileURLToPath(new URL('./LoopbackDynamoDbLocal.java', import.meta.url));
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/**
 * The loopback launcher (LoopbackDynamoDbLocal.java), compiled once per launcher source and jar into
 * node_modules/.cache (a private temporary directory when that is not writable). Undefined when there
 * is no `javac` (a JRE without a JDK); a launcher that does not compile is an error, not a fallback.
 */
async function loopbackLauncher(emulatorDir: string, classPath: string, java: string): Promise<{ dir: string; temporary: boolean } | undefined> {
  const jar = statSync(join(emulatorDir, 'DynamoDBLocal.jar'));
  const key = createHash('sha256').update(readFileSync(LAUNCHER_SOURCE)).update(`${jar.size}:${jar.mtimeMs}`).digest('hex').slice(0, 16);
  const cached = join(emulatorDir, '..', '..', '.cache', 'koszyk', `dynamodb-loopback-${key}`);
  if (existsSync(join(cached, `${LAUNCHER_CLASS}.class`))) return { dir: cached, temporary: false };
  let target: string;
  let staging: string;
  try {
    mkdirSync(dirname(cached), { recursive: true });
    staging = mkdtempSync(`${cached}.`);
    target = cached;
  } catch {
    staging = mkdtempSync(join(tmpdir(), 'koszyk-dynamodb-loopback-'));
    target = staging;
  }
  // The compiler next to $JAVA when that is a path, else the one on PATH.
  const javac = basename(java) === java ? 'javac' : join(dirname(java), 'javac');
  const compiled = await new Promise<'ok' | 'no-javac'>((resolve, reject) => {
    execFile(javac, ['--release', '17', '-cp', classPath, '-d', staging, LAUNCHER_SOURCE], (e, _out, stderr) => {
      if (!e) resolve('ok');
      else if ((e as NodeJS.ErrnoException).code === 'ENOENT') resolve('no-javac');
      else reject(new Error(`could not compile ${LAUNCHER_SOURCE}: ${String(stderr).trim() || e.message}`));
    });
  }).catch((e: Error) => {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  });
  if (compiled === 'no-javac') {
    rmSync(staging, { recursive: true, force: true });
    return undefined;
  }
  if (target === staging) return { dir: staging, temporary: true };
  try {
    renameSync(staging, target);
  } catch {
    // Another process compiled the same launcher first; its copy is as good.
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir: target, temporary: false };
}

/**
 * The official DynamoDB Local (the jar shipped in the npm package amplify-dynamodb-simulator),
 * run with the machine's Java, listening on 127.0.0.1 only and sending no telemetry.
 * `dataDir` keeps data across restarts; without it, in memory.
 *
 * The jar has no bind-address option (`-help` lists only -port, -inMemory, -dbPath, -sharedDb,
 * -cors, -delayTransientStatuses, -optimizeDbBeforeStartup, -disableTelemetry, -version) and its
 * Jetty server listens on every interface, so it is started through LoopbackDynamoDbLocal.java,
 * which needs a JDK's `javac` once. With a JRE only it runs the jar as is (`loopbackOnly: false`).
 */
export async function startDynamoDbLocal(opts: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  const require = createRequire(import.meta.url);
  const emulatorDir = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  const port = opts.port ?? (await freePort());
  const java = process.env['JAVA'] ?? 'java';
  const classPath = [join(emulatorDir, 'DynamoDBLocal.jar'), join(emulatorDir, 'DynamoDBLocal_lib', '*')].join(delimiter);
  const launcher = await loopbackLauncher(emulatorDir, classPath, java);
  const args = [
    `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
    ...(launcher ? ['-cp', [launcher.dir, classPath].join(delimiter), LAUNCHER_CLASS] : ['-jar', join(emulatorDir, 'DynamoDBLocal.jar')]),
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    args.push('-sharedDb', '-dbPath', opts.dataDir);
  } else {
    args.push('-inMemory', '-sharedDb');
  }
  // -disableTelemetry is parsed but not read by DynamoDB Local 1.25; the environment variable is.
  const child: ChildProcess = spawn(java, args, { cwd: emulatorDir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'eu-central-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const failed = await Promise.race([
      spawnError.then((e) => `could not start Java (${e.message}); DynamoDB Local needs Java 17+ on PATH or in $JAVA`),
      exited.then((code) => `DynamoDB Local exited with ${code}: ${stderr.trim()}`),
      client.send(new ListTablesCommand({})).then(
        () => null,
        () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 150)),
      ),
    ]);
    if (failed === null) break;
    if (typeof failed === 'string') throw new Error(failed);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s: ${stderr.trim()}`);
    }
  }
  client.destroy();
  return {
    endpoint,
    port,
    pid: child.pid,
    loopbackOnly: launcher !== undefined,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (launcher?.temporary) rmSync(launcher.dir, { recursive: true, force: true });
    },
  };
}
