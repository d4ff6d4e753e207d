import type { SimResponse } from '../http.js';

/** The provider's wire conventions: its error body, timestamps, and request-field validation. */

export type Fields = Record<string, string[]>;

export function fail(status: number, type: string, message: string, fields?: Fields): SimResponse {
  return { status, json: { error: { type, message, ...(fields ? { fields } : {}) } } };
}

export function invalid(fields: Fields): SimResponse {
  return fail(422, 'validation_error', 'There was a validation error on this request', fields);
}

export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isDate(v: string, now: Date): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v) && d.getTime() <= now.getTime();
}

/** Reads an optional string field (null counts as absent), recording a problem in `fields`. */
export function optionalString(body: Record<string, unknown>, key: string, fields: Fields, test: (s: string) => boolean, problem: string): string | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || !test(v)) {
    fields[key] = [problem];
    return null;
  }
  return v;
}

export function requiredName(body: Record<string, unknown>, key: string, fields: Fields): string {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '' || v.length > 100) fields[key] = ['must be a non-empty string of at most 100 characters'];
  return typeof v === 'string' ? v.trim() : '';
}

