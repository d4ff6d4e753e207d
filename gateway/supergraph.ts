import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SupergraphManager, SupergraphSdlUpdateFunction } from '@apollo/gateway';
import { Kind, parse } from 'graphql';
import type { Logger } from '../lib/log.js';

export interface SubgraphEndpoint {
  readonly name: string;
  readonly url: string;
}

/** The subgraphs a supergraph routes to, from `enum join__Graph { X @join__graph(name: "x", url: "...") }`. */
export function subgraphsOf(supergraphSdl: string): SubgraphEndpoint[] {
  const endpoints: SubgraphEndpoint[] = [];
  for (const def of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const arg = (name: string) => {
        const v = directive?.arguments?.find((a) => a.name.value === name)?.value;
        return v?.kind === Kind.STRING ? v.value : undefined;
      };
      const name = arg('name');
      if (name) endpoints.push({ name, url: arg('url') ?? '' });
    }
  }
  return endpoints;
}

export interface FileSupergraphOptions {
  /** The composed supergraph SDL file. */
  path: string;
  logger: Logger;
  /**
   * Quiet time after the last change before reloading: editors and `compose` write a file in several steps.
   * @default 200
   */
  debounceMs?: number;
  /** Called with every supergraph the gateway accepted: the first one, then each successful reload. */
  onLoad?: (supergraphSdl: string) => void;
}

/**
 * A supergraph read from a file and reloaded when the file changes (Apollo's `supergraphSdl` hook with `update`).
 * A new file that does not build keeps the previous schema serving and is logged; the next change tries again.
 * It watches the directory, not the file, and any change in it triggers a (debounced) read: an atomic replace (write
 * elsewhere, rename over) changes the file's name entry, but a Kubernetes ConfigMap volume swaps its `..data` symlink
 * and never touches an entry named like the file. Reading is cheap, and an unchanged text is not reloaded.
 */
export class FileSupergraph implements SupergraphManager {
  private readonly path: string;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private accepted = '';
  private closed = false;

  constructor(private readonly options: FileSupergraphOptions) {
    this.path = resolve(options.path);
  }

  async initialize({ update }: { update: SupergraphSdlUpdateFunction }) {
    const supergraphSdl = await this.read();
    this.accepted = supergraphSdl;
    this.options.onLoad?.(supergraphSdl);
    this.watcher = watch(dirname(this.path), () => this.schedule(update));
    this.watcher.on('error', (err) => this.options.logger.error({ err, path: this.path }, 'supergraph watcher failed'));
    return { supergraphSdl, cleanup: () => this.close() };
  }

  private async read(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the supergraph at ${this.path} (run \`npm run compose\`?): ${(err as Error).message}`);
    }
  }

  private schedule(update: SupergraphSdlUpdateFunction): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // Chained, so two reloads never overlap (Apollo refuses `update` while one is in progress).
      this.reloading = this.reloading.then(() => this.reload(update));
    }, this.options.debounceMs ?? 200);
  }

  private async reload(update: SupergraphSdlUpdateFunction): Promise<void> {
    const { logger } = this.options;
    let sdl: string;
    try {
      sdl = await this.read();
    } catch (err) {
      logger.error({ err }, 'supergraph reload failed; keeping the previous supergraph');
      return;
    }
    if (this.closed || sdl === this.accepted) return;
    try {
      update(sdl);
    } catch (err) {
      logger.error({ err, path: this.path }, 'new supergraph refused; keeping the previous supergraph');
      return;
    }
    this.accepted = sdl;
    this.options.onLoad?.(sdl);
    logger.info({ path: this.path, subgraphs: subgraphsOf(sdl).map((s) => s.name) }, 'supergraph reloaded');
  }

  private async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.reloading;
  }
}
