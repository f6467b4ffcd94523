/** Reads the project's own fixture configs (test/fixtures/<engine>/<name>). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', 'fixtures');

export function fixtureNames(engine: 'containerd' | 'crio' | 'docker'): string[] {
  return readdirSync(join(FIXTURES, engine)).sort();
}

export function fixture(engine: string, name: string): string {
  return readFileSync(join(FIXTURES, engine, name), 'utf8');
}
