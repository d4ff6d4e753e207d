import type { EngineContext } from './context.js';
import { canonicalJson } from './ids.js';
import { appendReason } from './record.js';
import { errorCodeOf, type FlowDefinition, type JourneyRecord } from './types.js';

/**
 * The record with the flow's `result` set, computed on the record as it is about to be written (terminal status
 * included). A `result` that throws or returns something that is not JSON is a flow bug: logged as an error, the
 * result left null and the reason saying so, rather than leaving the journey unfinished.
 */
export function withResult(ctx: Pick<EngineContext, 'logger'>, flow: FlowDefinition, record: JourneyRecord): JourneyRecord {
  try {
    const result = flow.result(record);
    canonicalJson(result);
    return { ...record, result: result === undefined ? null : result };
  } catch (err) {
    ctx.logger.error({ err, journeyId: record.id, journeyType: record.type }, 'the flow failed to compute the journey result');
    return { ...record, result: null, reason: appendReason(record.reason, `the journey result could not be computed (${errorCodeOf(err)})`) };
  }
}
