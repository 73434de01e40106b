/** What the reports' pictures are, read back from the files the CLI wrote. */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';

/** Width and height of a PNG file; decoding it whole fails on anything that is not a valid PNG. */
export function pngSize(path: string): { width: number; height: number } {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height };
}

/** Width and height the SVG declares, and its text elements' contents (what a reader sees). */
export function svgContent(path: string): { width: number; height: number; texts: string[]; svg: string } {
  const svg = readFileSync(path, 'utf8');
  const root = /^<svg [^>]*width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
  if (!root) throw new Error(`${path}: not an SVG with a width and height`);
  const unesc = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return {
    width: Number(root[1]),
    height: Number(root[2]),
    texts: [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unesc(m[1]!)),
    svg,
  };
}
