import { parseEcbRates } from '../connectors/fx-wallet/index.js';
import type { LegacySystem } from '../lib/config.js';
import { callOf, type Exchange, type Violation } from './exchange.js';
import { FineractChecker } from './fineract.js';
import { OpenApiChecker } from './openapi.js';
import { REPO_SPECS, SPEC_FILES, vendorSpec } from './specs.js';
import { iso20022MessageOf, validateIso20022 } from './xsd.js';

/**
 * Each legacy system's exchanges held to its vendor's own specification:
 *   core-banking    Apache Fineract 1.x, as its source defines it (fineract-api-facts.json)
 *   card-processor  Marqeta Core API v3 (its published Swagger 2.0, converted to OpenAPI 3), HTTP Basic
 *   kyc-provider    Onfido API v3.6 (its published OpenAPI 3)
 *   payment-rail    ISO 20022 XML, each message against ISO's XSD of its version
 *   fx-wallet       no public vendor: our own OpenAPI 3.1 document (schema/legacy-apis/fx-wallet.openapi.yaml), and
 *                   its reference rates (text/xml there) against the layout of the ECB's eurofxref-daily.xml
 *   notifier        no public vendor: our own OpenAPI 3.1 document (schema/legacy-apis/notifier.openapi.yaml)
 *   risk-scoring    the bank's own system, no public vendor: our own OpenAPI 3.1 document
 *                   (schema/legacy-apis/risk-scoring.openapi.yaml), whose bearer API key is checked as it declares
 */
export type Checker = (exchange: Exchange) => Promise<Violation[]>;

export interface SystemCheckers {
  readonly checkers: Partial<Record<LegacySystem, Checker>>;
  /** Systems whose exchanges nothing can check yet, with why. */
  readonly unchecked: Partial<Record<LegacySystem, string>>;
}

const violation = (exchange: Exchange, part: Violation['part'], message: string): Violation => ({ system: exchange.system, call: callOf(exchange), part, message });

export async function loadCheckers(): Promise<SystemCheckers> {
  const fineract = new FineractChecker();
  const marqeta = await OpenApiChecker.load({
    system: 'card-processor',
    file: SPEC_FILES.marqeta,
    apiRoot: '/v3',
    credentials: (h) => (/^Basic [A-Za-z0-9+/=]+$/.test(h.authorization ?? '') ? undefined : 'Marqeta wants HTTP Basic: the application token and the admin access token'),
  });
  const onfido = await OpenApiChecker.load({
    system: 'kyc-provider',
    file: SPEC_FILES.onfido,
    apiRoot: '/v3.6',
    // The document declares an Authorization header; Onfido's documentation gives its form.
    credentials: (h) => (/^Token token=\S+$/.test(h.authorization ?? '') ? undefined : 'Onfido wants `Authorization: Token token=<API token>`'),
  });
  // Our own documents declare no credentials: the wallet and the notifier are reached over the bank's network only.
  const wallet = await OpenApiChecker.load({ system: 'fx-wallet', path: REPO_SPECS.fxWallet, apiRoot: '/' });
  const notifier = await OpenApiChecker.load({ system: 'notifier', path: REPO_SPECS.notifier, apiRoot: '/' });
  // The scoring system's document declares its credentials (a bearer API key): checked from the document itself.
  const riskScoring = await OpenApiChecker.load({ system: 'risk-scoring', path: REPO_SPECS.riskScoring, apiRoot: '/' });
  const ecbLayout = [...parseEcbRates(vendorSpec(SPEC_FILES.ecb)).rates.keys()].sort().join(',');
  return {
    checkers: {
      'core-banking': async (e) => fineract.check(e),
      'card-processor': async (e) => marqeta.check(e),
      'kyc-provider': async (e) => onfido.check(e),
      'payment-rail': async (e) => {
        const out: Violation[] = [];
        for (const [part, body] of [['request', e.requestBody], ['response', e.responseBody]] as const) {
          if (!body.trim()) continue;
          if (!iso20022MessageOf(body)) {
            out.push(violation(e, part, `the ${part} is not an ISO 20022 XML message (${body.trim().startsWith('{') ? 'JSON' : 'no ISO 20022 Document'})`));
            continue;
          }
          const result = await validateIso20022(body);
          for (const error of result.errors) out.push(violation(e, part, `${result.message}: ${error}`));
        }
        return out;
      },
      'fx-wallet': async (e) => {
        const out = wallet.check(e);
        if (!e.url.includes('eurofxref') || e.status !== 200) return out;
        try {
          const keys = [...parseEcbRates(e.responseBody).rates.keys()].sort().join(',');
          return keys === ecbLayout ? out : [...out, violation(e, 'response', `the reference rates carry ${keys}, the ECB's feed ${ecbLayout}`)];
        } catch (err) {
          return [...out, violation(e, 'response', `not the ECB's eurofxref-daily.xml layout: ${err instanceof Error ? err.message : String(err)}`)];
        }
      },
      notifier: async (e) => notifier.check(e),
      'risk-scoring': async (e) => riskScoring.check(e),
    },
    unchecked: {},
  };
}
