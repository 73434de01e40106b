/** A finished record file as a dashboard feed: streamed once into the feed's bounded stores. */
import { basename } from 'node:path';
import { streamRecords } from '../../../records/reader.js';
import { Feed, type FeedOptions } from './feed.js';

export async function recordFeed(path: string, o: FeedOptions = {}): Promise<Feed> {
  // The title is shown to whoever opens the page: the file's name, not where it lives.
  const feed = new Feed('record', basename(path), o);
  await streamRecords(path, {
    snapshot(s, h) {
      feed.addSnapshot(h, s);
    },
    recordEnd(h) {
      feed.updateHeader(h);
    },
  });
  if (feed.streams.length === 0) throw new Error(`${path}: the record has no snapshot to show`);
  feed.end();
  return feed;
}
