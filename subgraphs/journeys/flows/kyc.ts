import { CreationInProgress } from '../../../connectors/kyc-provider/ledger.js';
import { StepPending } from '../engine/types.js';

/**
 * Runs a KYC create (applicant, check, screening) that goes through the connector's ledger, turning "another attempt
 * may still be creating this" into a wait: the step runs again once that attempt's settle window is over (or its
 * answer is visible at the vendor), without spending a retry, and without ever making a second resource.
 */
export async function afterEarlierCreations<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (err instanceof CreationInProgress) throw new StepPending(err.retryAfterMs, err.message);
    throw err;
  }
}
