// swagger2openapi ships no types: the one function this project calls, as its README documents it.
declare module 'swagger2openapi' {
  interface ConvertOptions {
    /** Fix up small errors of the source document instead of failing. */
    patch?: boolean;
    /** Report what cannot be converted as warnings. */
    warnOnly?: boolean;
  }
  interface ConvertResult {
    openapi: Record<string, unknown>;
  }
  export function convertObj(swagger: Record<string, unknown>, options: ConvertOptions): Promise<ConvertResult>;
}
