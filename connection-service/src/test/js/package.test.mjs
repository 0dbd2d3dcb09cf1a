// The npm package (connection-service/src/main/js/mesh-client): what `npm pack` puts in the tarball, its metadata, and
// that an application importing it can be bundled (esbuild), run (in Node, against the fakes) and type-checked (tsc
// resolving the package's `exports` and `types`), as an application of a team that installs it would be.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as esbuild from 'esbuild';

import { FakeClock, fakeWebSocketClass } from './fakes.mjs';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const packageDir = join(repoRoot, 'connection-service/src/main/js/mesh-client');
const packageJson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const sourceModules = readdirSync(join(packageDir, 'src')).filter((f) => f.endsWith('.js')).sort();

let work; // a scratch directory: the tarball, and an application with the package in its node_modules
let packed; // npm pack's report

before(() => {
  work = mkdtempSync(join(tmpdir(), 'mesh-client-package-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work, packageDir],
    { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  [packed] = JSON.parse(out);
  const installed = join(work, 'app', 'node_modules', ...packageJson.name.split('/'));
  mkdirSync(installed, { recursive: true });
  // What `npm install <tarball>` does for a package without dependencies: unpack `package/` into node_modules.
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', installed, '--strip-components=1']);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm package', () => {
  test('the tarball holds exactly the modules, the declarations, package.json and the README, as in the tree', () => {
    const paths = packed.files.map((f) => f.path).sort();
    assert.deepEqual(paths, ['README.md', 'mesh-client.d.ts', 'package.json', ...sourceModules.map((f) => `src/${f}`)].sort());
    const installed = join(work, 'app', 'node_modules', ...packageJson.name.split('/'));
    for (const path of paths) {
      assert.equal(readFileSync(join(installed, path), 'utf8'), readFileSync(join(packageDir, path), 'utf8'), path);
    }
  });

  test('version is the client VERSION and the Maven version; mesh.protocol is the protocol; no dependencies', async () => {
    const client = await import(pathToFileURL(join(packageDir, 'src/index.js')));
    const pom = readFileSync(join(repoRoot, 'pom.xml'), 'utf8');
    assert.equal(packageJson.version, client.VERSION);
    assert.equal(packageJson.version, /<artifactId>mesh-parent<\/artifactId>\s*<version>([^<]+)<\/version>/.exec(pom)[1]);
    assert.equal(packageJson.mesh.protocol, client.PROTOCOL_VERSION);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) {
      assert.equal(packageJson[field], undefined, field);
    }
    assert.equal(packageJson.type, 'module');
    assert.deepEqual(packageJson.exports['.'], { types: './mesh-client.d.ts', default: './src/index.js' });
    assert.equal(packageJson.types, './mesh-client.d.ts');
    assert.equal(packageJson.sideEffects, false);
  });

  test('an application importing it bundles (esbuild) into one self-contained file that runs', async () => {
    const app = join(work, 'app');
    writeFileSync(join(app, 'chat.js'), `
import { MeshClient, CloseCodes, VERSION } from '${packageJson.name}';

export function start(fakes) {
  const seen = [];
  const mesh = new MeshClient({
    url: 'http://mesh.test', sessionId: 'bundled', WebSocket: fakes.WebSocket, setTimeout: fakes.clock.setTimeout,
    clearTimeout: fakes.clock.clearTimeout, now: fakes.clock.now, random: () => 0.5,
    window: null, document: null, sessionStorage: null,
  });
  mesh.on('event', (e) => { seen.push(e.data.text); });
  mesh.connect();
  return { mesh, seen, CloseCodes, VERSION };
}
`);
    const result = await esbuild.build({
      entryPoints: [join(app, 'chat.js')], absWorkingDir: app, bundle: true, format: 'esm', platform: 'browser',
      target: 'es2022', write: false, logLevel: 'silent',
    });
    const bundle = result.outputFiles[0].text;
    assert.doesNotMatch(bundle, /^\s*import\s|\brequire\(/m, 'the bundle imports nothing');
    const bundlePath = join(work, 'chat.bundle.mjs');
    writeFileSync(bundlePath, bundle);
    const { start } = await import(pathToFileURL(bundlePath));

    const clock = new FakeClock();
    const WebSocket = fakeWebSocketClass();
    const { mesh, seen, CloseCodes, VERSION } = start({ WebSocket, clock });
    assert.equal(VERSION, packageJson.version);
    assert.equal(CloseCodes.REPLACED, 4504);
    const ws = WebSocket.instances[0];
    ws.welcome();
    assert.equal(mesh.state, 'connected');
    const subscribed = mesh.subscribe('chat:lobby');
    const sub = ws.sentOfType('subscribe').find((f) => f.channel === 'chat:lobby');
    ws.receive({ type: 'subscribed', id: sub.id, channel: 'chat:lobby', position: { epoch: 'E1', seq: 0 } });
    assert.deepEqual((await subscribed).position, { epoch: 'E1', seq: 0 });
    ws.receive({ type: 'events', channel: 'chat:lobby', epoch: 'E1', events: [
      { seq: 1, id: 'a', ts: '2026-12-01T00:00:00Z', data: { text: 'one' } },
      { seq: 2, id: 'b', ts: '2026-12-01T00:00:01Z', data: { text: 'two' } },
    ] });
    ws.receive({ type: 'event', channel: 'chat:lobby', epoch: 'E1', seq: 2, id: 'b', data: { text: 'two' } });
    assert.deepEqual(seen, ['one', 'two']);
    const published = mesh.publish('chat:lobby', { text: 'three' });
    const [frame] = ws.sentOfType('publish');
    ws.receive({ type: 'published', id: frame.id, channel: 'chat:lobby', epoch: 'E1', seq: 3 });
    assert.equal((await published).seq, 3);
    mesh.close();
  });

  test('it tree-shakes: an application using only the codes does not bundle the client', async () => {
    const app = join(work, 'app');
    writeFileSync(join(app, 'codes.js'), `import { CloseCodes } from '${packageJson.name}';\nexport const replaced = CloseCodes.REPLACED;\n`);
    const result = await esbuild.build({
      entryPoints: [join(app, 'codes.js')], absWorkingDir: app, bundle: true, format: 'esm', write: false,
      logLevel: 'silent',
    });
    const bundle = result.outputFiles[0].text;
    assert.match(bundle, /4504/);
    assert.doesNotMatch(bundle, /class MeshClient|WebSocketTransport/);
  });

  test('its declarations type-check an application through the exports map (tsc, moduleResolution bundler)', () => {
    const app = join(work, 'app');
    writeFileSync(join(app, 'typed.ts'), `
import { MeshClient, MeshError, type MeshEvent, type Published } from '${packageJson.name}';

const mesh = new MeshClient({ url: 'https://mesh.example', getToken: async () => 'jwt', transport: 'auto' });
mesh.on('event', (e: MeshEvent) => e.seq.toFixed());
mesh.on('state', ({ state, delayMs }) => (state === 'reconnecting' ? delayMs : null));
mesh.on('error', (err) => (err instanceof MeshError ? err.code : null));
export const published: Promise<Published> = mesh.publish('chat:lobby', { text: 'hi' }, { critical: true });
// Each of these must be refused: if the declarations did not resolve, everything would be 'any' and tsc would
// complain that these expectations are unused.
// @ts-expect-error an unknown event type
mesh.on('no-such-event', () => {});
// @ts-expect-error a channel is a string
mesh.publish(42, {});
// @ts-expect-error the state is read-only
mesh.state = 'connected';
`);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], strict: true,
        noEmit: true, types: [],
      },
      files: ['typed.ts'],
    }));
    const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
    try {
      execFileSync(tsc, ['-p', join(app, 'tsconfig.json')], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      assert.fail(`tsc failed on an application using the package:\n${err.stdout}${err.stderr}`);
    }
  });
});
