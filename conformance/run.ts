/**
 * `npm run conformance`: the whole system through dashboards, payments (with and without FX, one the rail rejects),
 * a conversion, an onboarding and the card journeys, with a recording proxy between every connector and its legacy
 * system; then every recorded exchange is held to its vendor's published specification (conformance/checkers.ts).
 *
 * Prints a report per system (exchanges, the calls made, what breaks the specification and how often) and exits 1
 * when any exchange breaks its specification or a checked system was never exercised. `--report` prints the same and
 * exits 0 (to see where the connectors stand while they are being brought to the vendors' APIs). `--only a,b` holds
 * only those systems (the others are reported, not counted): `.ci/run` holds the systems that conform, so none of
 * them slips back while the rest are converted. A scenario that does not end as expected is a finding too: a run in
 * which a payment fails has not shown its exchanges. CONFORMANCE_OUT writes the report to a file as well. The specifications come from VENDOR_SPECS_DIR (default ../shared/vendor-specs).
 */
import { writeFileSync } from 'node:fs';
import { LEGACY_SYSTEMS, type LegacySystem } from '../lib/config.js';
import { startStack } from '../test/support/stack.js';
import { loadCheckers } from './checkers.js';
import { callOf, type Violation } from './exchange.js';
import { RecordingProxy } from './recorder.js';
import { runScenarios } from './scenarios.js';
import { vendorSpecsDir } from './specs.js';

/** Ids out of a call or a message, so the same finding on many ids is one row: `savingsaccounts/5001` -> `{id}`. */
function generic(text: string): string {
  return text.replace(/[A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*/g, (token) => (/^(v\d+(\.\d+)*|pacs\.\d{3}(\.\d{3}\.\d{2})?|\d{3}|[1-5]XX|20022)$/.test(token) ? token : '{id}'));
}

async function main(): Promise<number> {
  const reportOnly = process.argv.includes('--report');
  const onlyArg = process.argv.find((a, i) => process.argv[i - 1] === '--only' || a.startsWith('--only='));
  const only = onlyArg === undefined ? undefined : new Set(onlyArg.replace(/^--only=/, '').split(',').map((x) => x.trim()).filter(Boolean));
  if (only) {
    const unknown = [...only].filter((x) => !(LEGACY_SYSTEMS as readonly string[]).includes(x));
    if (unknown.length || only.size === 0) throw new Error(`--only takes a comma-separated list of ${LEGACY_SYSTEMS.join(', ')}; not ${[...unknown].join(', ') || 'an empty list'}`);
  }
  const held = (system: LegacySystem) => !only || only.has(system);
  const specs = vendorSpecsDir();
  const { checkers, unchecked } = await loadCheckers();
  const proxies = new Map<LegacySystem, RecordingProxy>();
  const stack = await startStack({
    // The services' own logs are not the report: they go nowhere.
    logDestination: { write: () => true },
    logLevel: 'warn',
    interpose: async (system, url) => {
      const proxy = await RecordingProxy.start(system, url);
      proxies.set(system, proxy);
      return proxy.url;
    },
  });
  let scenarios;
  try {
    scenarios = await runScenarios(stack);
  } finally {
    await stack.stop();
    await Promise.all([...proxies.values()].map((p) => p.close()));
  }

  const lines: string[] = [`# Conformance against the vendors' specifications (${specs})`, ''];
  lines.push('## Scenarios', '', '| scenario | as expected | detail |', '| --- | --- | --- |');
  for (const s of scenarios) lines.push(`| ${s.name} | ${s.ok ? 'yes' : '**no**'} | ${s.detail} |`);
  lines.push('');

  let failures = scenarios.filter((s) => !s.ok).length;
  for (const system of LEGACY_SYSTEMS) {
    const exchanges = proxies.get(system)?.exchanges ?? [];
    const check = checkers[system];
    const violations: Violation[] = [];
    if (check) for (const e of exchanges) violations.push(...(await check(e)));
    const calls = [...new Set(exchanges.map(callOf).map(generic))].sort();
    lines.push(`## ${system}: ${exchanges.length} exchanges, ${violations.length} violations${held(system) ? '' : ' (not held: --only)'}`, '');
    if (unchecked[system]) lines.push(`Unchecked in part: ${unchecked[system]}.`, '');
    lines.push(`Calls: ${calls.map((c) => `\`${c}\``).join(', ') || 'none'}`, '');
    if (check && exchanges.length === 0) {
      lines.push('**Never exercised**: the run made no call to this system.', '');
      if (held(system)) failures++;
    }
    const grouped = new Map<string, number>();
    for (const v of violations) {
      const k = `${v.part} | \`${generic(v.call)}\` | ${generic(v.message).replace(/\|/g, '\\|')}`;
      grouped.set(k, (grouped.get(k) ?? 0) + 1);
    }
    if (grouped.size) {
      lines.push('| part | call | what breaks the specification | times |', '| --- | --- | --- | ---: |');
      for (const [k, count] of [...grouped.entries()].sort()) lines.push(`| ${k} | ${count} |`);
      lines.push('');
    }
    if (held(system)) failures += violations.length;
  }
  const report = lines.join('\n');
  console.log(report);
  if (process.env.CONFORMANCE_OUT) writeFileSync(process.env.CONFORMANCE_OUT, `${report}\n`);
  console.log(failures === 0 ? '\nconformance: PASS' : `\nconformance: FAIL (${failures} findings)${reportOnly ? ' [--report: exit 0]' : ''}`);
  return failures === 0 || reportOnly ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
