import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

/**
 * redis-server processes a test starts for itself, on free loopback ports with their files in a temporary folder:
 * for settings the shared Redis on 6379 must not change (other tests use it), for Cluster, and for outages.
 */

const run = promisify(execFile);

/** A port nothing listens on right now (the OS picks it; released before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SIGKILL: an outage, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder, with the same flags. */
  restart(): Promise<void>;
  /** Kills it and removes its folder. */
  destroy(): Promise<void>;
}

/** Starts `redis-server --port <free> --dir <tmp> ...args` and waits until it answers PING. */
export async function startRedisServer(args: readonly string[] = [], options: { port?: number; dir?: string } = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bankgraph-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    const output: string[] = [];
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    await waitForPing(port, child, output);
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    restart: start,
    async destroy() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(port: number, child: ChildProcess, output: string[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited (${child.exitCode}):\n${output.join('')}`);
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      // A cluster node answers PING before the cluster is formed; that is all this waits for.
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on ${port} did not answer PING:\n${output.join('')}`);
}

export interface TestRedisCluster {
  /** redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3 */
  readonly url: string;
  readonly nodes: readonly TestRedis[];
  destroy(): Promise<void>;
}

/**
 * A three-master Redis Cluster on loopback (no replicas, no persistence: a test fixture), formed with
 * `redis-cli --cluster create`, returned once every node reports cluster_state:ok.
 */
export async function startRedisCluster(size = 3): Promise<TestRedisCluster> {
  const nodes: TestRedis[] = [];
  try {
    for (let i = 0; i < size; i++) {
      // The cluster bus port is given explicitly: port + 10000 may not be free (or may not exist above 55535).
      const busPort = await freePort();
      nodes.push(
        await startRedisServer([
          '--cluster-enabled', 'yes',
          '--cluster-config-file', 'nodes.conf',
          '--cluster-port', String(busPort),
          '--cluster-node-timeout', '2000',
          '--appendonly', 'no',
        ]),
      );
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const node of nodes) await waitForClusterOk(node.port);
  } catch (err) {
    await Promise.all(nodes.map((n) => n.destroy()));
    throw err;
  }
  return {
    url: `redis-cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    destroy: async () => {
      await Promise.all(nodes.map((n) => n.destroy()));
    },
  };
}

async function waitForClusterOk(port: number): Promise<void> {
  const client = new Redis({ port, host: '127.0.0.1' });
  try {
    for (let i = 0; i < 400; i++) {
      const info = (await client.call('CLUSTER', 'INFO')) as string;
      if (/cluster_state:ok/.test(info)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`cluster node ${port} never reported cluster_state:ok`);
  } finally {
    client.disconnect();
  }
}
