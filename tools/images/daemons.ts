/**
 * One image per daemon, `tskube/<daemon>:<version>` (and `:latest`), from the built dists:
 *
 * - /usr/local/bin/node     this machine's Node (`process.execPath`, stripped when `strip` is
 *                           there) and the shared libraries `ldd` lists
 * - /app/<bin>.mjs          an esbuild bundle of apps/<daemon>/dist/main.js with every dependency;
 *                           /usr/local/bin/<bin> links to it and is the ENTRYPOINT
 * - /app/etcd3-proto/       the .proto files etcd3 reads at run time (apiserver only)
 *
 * A bundle, not a copy of node_modules: it holds only the code a daemon reaches (apiserver
 * 4.3 MB, scheduler 0.9, kubelet 3.1, where the production closures in node_modules take 35, 15
 * and 34 MB; Node itself is 86 stripped), and its bytes are the hash input, so any change in a
 * dist or a dependency rebuilds the image and nothing else does. Native addons (ssh2's optional crypto binding and
 * cpu-features, reached through dockerode) are left out: both are loaded inside try/catch and
 * ssh2 falls back to Node's crypto; we never use Docker over SSH anyway.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import type { Recipe } from './build.js';
import { baseRoot, binaryInputs, copyBinary, fileHash, run } from './rootfs.js';

/** The daemons with an image, each with its bin (the app's package.json `bin`). */
export const DAEMONS = {
  apiserver: 'tskube-apiserver',
  scheduler: 'tskube-scheduler',
  kubelet: 'tskubelet',
} as const;
export type DaemonName = keyof typeof DAEMONS;
export const DAEMON_NAMES = Object.keys(DAEMONS) as DaemonName[];

/** Bump to rebuild the daemon images after a change to how they are made. */
const DAEMON_RECIPE_VERSION = '1';
const NODE_PATH = '/usr/local/bin/node';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const appDir = (daemon: DaemonName): string => join(repoRoot, 'apps', daemon);

/** The app's package.json version: the tag of its image. */
export function daemonVersion(daemon: DaemonName): string {
  return (JSON.parse(readFileSync(join(appDir(daemon), 'package.json'), 'utf8')) as { version: string }).version;
}

/** `tskube/<daemon>:<tag>`, the tag defaulting to the app's version. */
export function daemonImage(daemon: DaemonName, tag = daemonVersion(daemon)): string {
  return `tskube/${daemon}:${tag}`;
}

interface Bundle {
  code: string;
  /** Files to place under /app besides the bundle: relative path → source path. */
  extra: Map<string, string>;
}

// The bundle is ESM (the bins use top-level await); CommonJS dependencies still call require and
// read __dirname/__filename, which ESM lacks. `define` points those at the bundle's own, under
// names no bundled module declares.
const BANNER = [
  "import { createRequire as __tskubeCreateRequire } from 'node:module';",
  "import { dirname as __tskubeDirname } from 'node:path';",
  "import { fileURLToPath as __tskubeFileURLToPath } from 'node:url';",
  'const require = __tskubeCreateRequire(import.meta.url);',
  'const __tskube_filename = __tskubeFileURLToPath(import.meta.url);',
  'const __tskube_dirname = __tskubeDirname(__tskube_filename);',
].join('\n');

/** Native addons become a module that throws, as a missing optional binding does. */
const nativeAbsent: Plugin = {
  name: 'tskube-native-absent',
  setup(build) {
    build.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, namespace: 'tskube-native-absent' }));
    build.onLoad({ filter: /.*/, namespace: 'tskube-native-absent' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`native addon ${args.path} is not in this image`)});`,
      loader: 'js',
    }));
  },
};

/** etcd3 loads `${__dirname}/../proto/rpc.proto` at run time: point it at /app/etcd3-proto. */
function etcd3Proto(extra: Map<string, string>): Plugin {
  return {
    name: 'tskube-etcd3-proto',
    setup(build) {
      build.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const from = '`${__dirname}/../proto/rpc.proto`';
        if (!source.includes(from)) throw new Error(`etcd3 no longer loads ${from} (${args.path}): update tools/images/daemons.ts`);
        const protoDir = join(dirname(args.path), '../proto');
        for (const file of readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort()) {
          extra.set(`etcd3-proto/${file}`, join(protoDir, file));
        }
        return { contents: source.replace(from, '`${__dirname}/etcd3-proto/rpc.proto`'), loader: 'js' };
      });
    },
  };
}

async function bundle(daemon: DaemonName): Promise<Bundle> {
  const entry = join(appDir(daemon), 'dist/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} not found: run \`npm run build\` before building the daemon images`);
  // Loaded here so that ensureImages() (busybox, pause, etcd) never pays for esbuild.
  const { build } = await import('esbuild');
  const extra = new Map<string, string>();
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      // Relative paths in the bundle's comments, so its bytes do not depend on the cwd.
      absWorkingDir: repoRoot,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      outfile: '/app/main.mjs',
      logLevel: 'silent',
      banner: { js: BANNER },
      define: { __dirname: '__tskube_dirname', __filename: '__tskube_filename' },
      plugins: [nativeAbsent, etcd3Proto(extra)],
    });
  } catch (err) {
    throw new Error(`bundling ${entry} failed (is every package built? run \`npm run build\`): ${(err as Error).message}`);
  }
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error(`esbuild wrote no bundle for ${entry}`);
  // The entry's `#!/usr/bin/env node` would need an env the image does not have.
  return { code: `#!${NODE_PATH}\n${text.replace(/^#!.*\n/, '')}`, extra };
}

let stripTool: Promise<string | undefined> | undefined;
/** `strip --version`'s first line, or undefined without binutils (Node is then copied as is). */
const stripVersion = (): Promise<string | undefined> =>
  (stripTool ??= run('strip', ['--version']).then(
    (r) => r.stdout.split('\n')[0],
    () => undefined,
  ));

let nodeInputs: Promise<string[]> | undefined;

function daemonRecipe(daemon: DaemonName): Recipe {
  const bin = DAEMONS[daemon];
  let built: Bundle | undefined;
  return {
    image: daemonImage(daemon),
    alsoTag: [daemonImage(daemon, 'latest')],
    async inputs() {
      built = await bundle(daemon);
      const extras = [...built.extra].map(([rel, src]) => `${rel} ${fileHash(src)}`);
      return [
        DAEMON_RECIPE_VERSION,
        ...(await (nodeInputs ??= binaryInputs(process.execPath))),
        (await stripVersion()) ?? 'no strip',
        createHash('sha256').update(built.code).digest('hex'),
        ...extras,
      ];
    },
    async build(root) {
      const { code, extra } = built ?? (await bundle(daemon));
      await baseRoot(root);
      const strip = await stripVersion();
      const libs = await copyBinary(process.execPath, root, NODE_PATH, strip ? (from, to) => run('strip', ['-o', to, from]).then(() => {}) : undefined);
      await mkdir(join(root, 'app'), { recursive: true });
      await writeFile(join(root, 'app', `${bin}.mjs`), code, { mode: 0o755 });
      for (const [rel, src] of extra) {
        await mkdir(dirname(join(root, 'app', rel)), { recursive: true });
        await writeFile(join(root, 'app', rel), await readFile(src));
      }
      // Node resolves the link to /app/<bin>.mjs, so the bundle runs as ESM.
      await symlink(`/app/${bin}.mjs`, join(root, 'usr/local/bin', bin));
      return {
        changes: [
          'ENV PATH=/usr/local/bin:/usr/bin:/bin',
          'ENV NODE_ENV=production',
          `LABEL org.opencontainers.image.version=${daemonVersion(daemon)}`,
          `ENTRYPOINT ["/usr/local/bin/${bin}"]`,
        ],
        note: `node ${process.version}${strip ? ' (stripped)' : ''} with ${libs} shared libraries, ${(code.length / 1e6).toFixed(1)} MB bundle`,
      };
    },
  };
}

/** The recipes of the daemon images, in DAEMON_NAMES order. */
export const daemonRecipes = (daemons: readonly DaemonName[] = DAEMON_NAMES): Recipe[] => daemons.map(daemonRecipe);
