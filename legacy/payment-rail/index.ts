import { runSimulator } from '../http.js';
import { createPaymentRailSimulator } from './server.js';

/** Runs the payment rail simulator (both rails) as a process (PAYMENT_RAIL_PORT, default 4105; HOST, default loopback). */
const port = Number(process.env.PAYMENT_RAIL_PORT ?? 4105);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`PAYMENT_RAIL_PORT must be a port number, got "${process.env.PAYMENT_RAIL_PORT}"`);
}

// PAYMENT_RAIL_STATUS_REPORT_URL: the bank's endpoint for pushed pacs.002 / pacs.004 reports (none: no pushes).
const statusReportUrl = process.env.PAYMENT_RAIL_STATUS_REPORT_URL || undefined;
if (statusReportUrl !== undefined && !/^https?:\/\//.test(statusReportUrl)) {
  throw new Error(`PAYMENT_RAIL_STATUS_REPORT_URL must be an http(s) URL, got "${statusReportUrl}"`);
}
// PAYMENT_RAIL_STATUS_REPORT_TOKEN: the bearer token sent with each report (unset: the published sandbox token).
const statusReportToken = process.env.PAYMENT_RAIL_STATUS_REPORT_TOKEN || undefined;
await runSimulator(createPaymentRailSimulator(statusReportUrl ? { statusReportUrl, ...(statusReportToken ? { statusReportToken } : {}) } : {}), port, host);
