/**
 * Label values that clients influence (operation names, legacy routes) must stay few: every distinct value is a new
 * time series held in memory until the process exits, so a caller sending random names could otherwise grow the
 * gateway's memory without bound. A BoundedLabels keeps:
 *  - the `known` values as they are (persisted operations' names: a fixed list);
 *  - other values as they come, only while fewer than `cap` of them were seen, and only if they look like a name;
 *  - everything else collapsed into one fixed label, `OTHER`.
 */

export const OTHER = '(other)';

/** A GraphQL name or a route template: no quotes, no control characters, no long digit runs (ids, PANs). */
const LOOKS_LIKE_A_NAME = /^[\w :/.?=>{}$,&*[\]-]{1,200}$/;
const DIGIT_RUN = /\d{6,}/;

export class BoundedLabels {
  private readonly known: ReadonlySet<string>;
  private readonly admitted = new Set<string>();

  constructor(
    known: Iterable<string>,
    /** How many values beyond the known ones may become labels of their own. */
    private readonly cap: number,
  ) {
    this.known = new Set(known);
  }

  /** The label for `value`: itself when known or admitted (admitting it if there is room), else OTHER. */
  of(value: string): string {
    if (this.known.has(value) || this.admitted.has(value)) return value;
    if (this.admitted.size >= this.cap || !LOOKS_LIKE_A_NAME.test(value) || DIGIT_RUN.test(value)) return OTHER;
    this.admitted.add(value);
    return value;
  }
}
