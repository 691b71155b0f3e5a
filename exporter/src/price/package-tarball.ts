import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/**
 * Unpacks the regular files of a gzipped tar (what `npm pack` writes) into `dir`. Only what an npm
 * package tarball holds is supported: ustar headers, paths up to 255 characters; PAX and GNU extension
 * records are skipped. A path that would leave `dir` (absolute, or with `..`) is refused.
 * @throws Error naming the tarball and what is wrong with it.
 */
export async function unpackTarball(tgz: Buffer, dir: string, label: string): Promise<void> {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz);
  } catch (err) {
    throw new Error(`${label} is not a gzipped tarball (${(err as Error).message}); pass the .tgz that \`npm pack @pydantic/genai-prices@<version>\` writes`);
  }
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`${label}: corrupt tar header at byte ${offset}`);
    const path = prefix === '' ? name : `${prefix}/${name}`;
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type !== '0' && type !== '\0') continue; // directories, links, PAX/GNU records
    const target = normalize(join(dir, path));
    if (path.startsWith('/') || !target.startsWith(normalize(dir) + sep)) throw new Error(`${label}: refusing to unpack ${JSON.stringify(path)} outside the target directory`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, body);
  }
}
