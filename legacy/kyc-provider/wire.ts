import type { SimResponse } from '../http.js';

/** Onfido's wire conventions: its Error body { error: { type, message, fields? } }, timestamps, field validation. */

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

/** Onfido's UUID ids: anything else in a path is a 404 (no such resource), as it answers. */
export function isUuid(v: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
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

/** Onfido's name fields: required, and without the characters its pattern refuses (^[^!#$%*=<>;{}"]*$). */
export function requiredName(body: Record<string, unknown>, key: string, fields: Fields): string {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '' || v.length > 100) fields[key] = ["can't be blank, at most 100 characters"];
  else if (/[!#$%*=<>;{}"]/.test(v)) fields[key] = ['contains characters that are not allowed: ! # $ % * = < > ; { } "'];
  return typeof v === 'string' ? v.trim() : '';
}

/** A list of strings (or absent): `tags`, `report_names`, `consider`. */
export function stringList(body: Record<string, unknown>, key: string, fields: Fields, test: (s: string) => boolean, problem: string, max: number): string[] | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length > max || !v.every((s) => typeof s === 'string' && test(s))) {
    fields[key] = [problem];
    return null;
  }
  return v as string[];
}
