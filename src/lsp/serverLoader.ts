/**
 * dist/server.js, what the VS Code client starts: turns V8's code cache on, then loads the server
 * bundle (dist/serverMain.js, 4 MB with TypeScript inside) through it, so a cold start compiles
 * only what the previous start did not leave in the cache.
 */
import { join } from 'node:path';
import { userCacheDir } from '../engine/userCacheDir.js';
import { enableCompileCache } from './compileCache.js';

enableCompileCache(join(userCacheDir(process.env), 'v8'));
require('./serverMain.js');
