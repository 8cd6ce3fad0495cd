/**
 * `--inspect[=URL]` and `--inspect-port PORT`: one observer for `createActor(root, { inspect })`
 * that converts and sanitises every inspection event once, then feeds
 *   - a Stately inspector over WebSocket (when a URL is given), and/or
 *   - the live viewer on 127.0.0.1:PORT (when a port is given).
 *
 * Loaded with a dynamic import only when one of them is asked for: when both are off the broker
 * passes no `inspect` option at all, so inspection costs nothing.
 */
import type { InspectionEvent } from 'xstate';
import type { Logger } from '../logger.js';
import { createConverter, type InspectionMessage } from './events.js';
import { createRecorder, type Recorder } from './recorder.js';
import { startViewerServer, type ViewerServer } from './server.js';
import { createStatelyForwarder, type StatelyForwarder } from './stately.js';
import { brokerEntityDefinitions } from './entity-machines.js';

export { DEFAULT_INSPECT_URL } from './options.js';

export interface InspectionOptions {
  /** Stately inspector relay to send events to (e.g. ws://localhost:8080). */
  url?: string | null;
  /** Port of the live viewer on 127.0.0.1 (0 = any free port). */
  port?: number | null;
  host?: string;
  log?: Logger;
}

export interface Inspection {
  /** Pass as `createActor(machine, { inspect })`. */
  inspect: (ev: InspectionEvent) => void;
  recorder: Recorder;
  viewer: ViewerServer | null;
  close(): Promise<void>;
}

export async function startInspection(opts: InspectionOptions): Promise<Inspection> {
  const recorder = createRecorder();
  const log = opts.log;
  let forwarder: StatelyForwarder | null = null;
  if (opts.url) {
    const url = opts.url;
    forwarder = createStatelyForwarder(url, {
      onState: (s) => (s === 'open'
        ? log?.info({ inspect: url }, `Sending actor inspection events to ${url}`)
        : log?.warn({ inspect: url }, `Lost the inspector at ${url}; retrying every 5 s`)),
    });
    log?.info({ inspect: url }, `Inspecting every actor; events go to the Stately inspector relay at ${url} (createInspectorServer() from @statelyai/inspect/server)`);
  }
  let viewer: ViewerServer | null = null;
  if (opts.port !== undefined && opts.port !== null) {
    viewer = await startViewerServer({ port: opts.port, host: opts.host, recorder, definitions: brokerEntityDefinitions() });
    log?.info({ inspectPort: viewer.port, url: viewer.url }, `Live state viewer at ${viewer.url} (events: ws://${viewer.host}:${viewer.port}/events)`);
  }
  const converter = createConverter((m: InspectionMessage) => {
    recorder.push(m);
    forwarder?.send(m);
  });
  return {
    inspect: (ev) => converter.next(ev),
    recorder,
    viewer,
    async close() {
      await Promise.all([forwarder?.stop(), viewer?.close()]);
    },
  };
}
