import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root folder: the nearest folder above this module that holds package.json. It
 * is the same whether this module runs from src/ (through tsx), from dist/ (built) or from the
 * test run's compiled tree (.test-dist/src), where a fixed number of '..' would differ. With no
 * package.json above (a bundled copy), the folder above this module's: what src/ and dist/ have.
 */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(from);
  }
}
