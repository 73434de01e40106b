/**
 * The dashboard's WebSocket protocol (/stream). Text messages are JSON ServerMessage; binary
 * messages are frame batches (shared/frame.ts encodeFrames). Order after connecting: `hello`,
 * binary batches of the history, `synced`, then live batches, `stream` for each new stream and
 * `end` when a live run finishes. The client never sends anything: the socket is read-only.
 */

export interface StreamInfo {
  id: number;
  /** damo's record key: "kdamond context scheme target". */
  key: string;
  label: string;
  dataSource: string;
  kdamond: number | null;
  context: number | null;
  scheme: number | null;
  target: string | null;
}

export type ServerMessage =
  | { type: 'hello'; mode: 'record' | 'live'; title: string; streams: StreamInfo[]; ended: boolean }
  | { type: 'synced' }
  | { type: 'stream'; info: StreamInfo }
  | { type: 'end' };
