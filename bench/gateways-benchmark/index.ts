/**
 * The public gateway benchmark's workload (graphql-hive/graphql-gateways-benchmark; issue 7 item 4): its four
 * subgraphs (bench/gateways-benchmark/subgraphs.ts, one process on one port, pinned with the load generator), its
 * supergraph with the subgraph URLs pointed at them, its exact query, and the three gateways of bench/throughput.ts.
 * A response is a success only when it is HTTP 200, has no errors and equals expected-response.json (data compared
 * as JSON values, so key order does not matter; the run then requires that exact text, see bench/load.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintSandboxToken } from '../../lib/tokens.js';
import { answers, spawnNode, waitUntil } from '../system.js';
import { compareGateways, deepEqual, LOAD_CPU, pinningNote, throughputSettings, throughputTable, type ContenderResult } from '../throughput.js';
import { BENCH_DATA_DIR } from './subgraphs.js';

export const SUBGRAPHS_PORT = 14400;
const PORTS = { bankgraph: 14410, apollo: 14411, hive: 14412 } as const;

export interface GatewaysBenchmarkResult {
  readonly results: readonly ContenderResult[];
  readonly markdown: string;
}

export async function runGatewaysBenchmark(): Promise<GatewaysBenchmarkResult> {
  const query = readFileSync(join(BENCH_DATA_DIR, 'query.graphql'), 'utf8');
  const expected = JSON.parse(readFileSync(join(BENCH_DATA_DIR, 'expected-response.json'), 'utf8')) as { data: unknown };
  const dir = mkdtempSync(join(tmpdir(), 'bankgraph-bench-gwb-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(
    supergraphPath,
    readFileSync(join(BENCH_DATA_DIR, 'supergraph.graphql'), 'utf8').replaceAll('http://0.0.0.0:4200', `http://127.0.0.1:${SUBGRAPHS_PORT}`),
  );
  const subgraphs = spawnNode({
    name: 'gateways-benchmark subgraphs',
    args: ['--import', 'tsx', 'bench/gateways-benchmark/subgraphs.ts', String(SUBGRAPHS_PORT)],
    cpus: LOAD_CPU,
  });
  try {
    await waitUntil(subgraphs, answers(`http://127.0.0.1:${SUBGRAPHS_PORT}/`));
    const body = JSON.stringify({ query });
    const token = await mintSandboxToken({ customer: 'cust-0001' }, { expiresIn: '6h' });
    const results = await compareGateways(
      [
        {
          name: 'bankgraph',
          label: 'bankgraph (createGateway: token auth, operation limits, rate limits, audit, masking)',
          args: ['--import', 'tsx', 'bench/gateways-benchmark/bankgraph-gateway.ts'],
          env: { SUPERGRAPH: supergraphPath, PORT: String(PORTS.bankgraph), RATE_LIMIT_CUSTOMER: '1000000000/1000000000' },
          url: `http://127.0.0.1:${PORTS.bankgraph}/graphql`,
          headers: { authorization: `Bearer ${token}` },
          body,
        },
        {
          name: 'apollo',
          label: 'stock @apollo/gateway (ApolloServer standalone, no plugins)',
          args: ['--import', 'tsx', 'bench/peers/apollo-gateway.ts'],
          env: { SUPERGRAPH: supergraphPath, PORT: String(PORTS.apollo) },
          url: `http://127.0.0.1:${PORTS.apollo}/graphql`,
          headers: {},
          body,
        },
        {
          name: 'hive',
          label: 'Hive Gateway (@graphql-hive/gateway CLI, defaults)',
          args: hiveArgs(supergraphPath, PORTS.hive),
          env: { FORWARD_HEADERS: '' },
          url: `http://127.0.0.1:${PORTS.hive}/graphql`,
          headers: {},
          body,
        },
      ],
      {
        check: (json) => (deepEqual((json as { data: unknown }).data, expected.data) ? undefined : 'not the expected response'),
        tag: 'gateways-benchmark',
      },
    );
    const s = throughputSettings();
    const markdown = [
      `### Public gateway benchmark workload (graphql-gateways-benchmark's TestQuery, ${s.connections} connections, ${s.warmupSeconds} s warm-up + ${s.durationSeconds} s measured)`,
      '',
      `${pinningNote()}. Success = HTTP 200, no errors, the expected response.`,
      '',
      throughputTable(results),
    ].join('\n');
    return { results, markdown };
  } finally {
    await subgraphs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Hive Gateway's CLI, run by node directly (so taskset pins node itself). */
export function hiveArgs(supergraphPath: string, port: number): string[] {
  return [
    'node_modules/@graphql-hive/gateway/dist/bin.js',
    'supergraph',
    supergraphPath,
    '--config-path',
    'bench/peers/hive-gateway.config.ts',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
  ];
}
