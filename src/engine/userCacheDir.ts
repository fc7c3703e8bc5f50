import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The user's cache folder for Critic: $CRITIC_CACHE_DIR, else $XDG_CACHE_HOME/critic, else
 * ~/.cache/critic. Never inside the project, where it would show up as an untracked change.
 */
export function userCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.CRITIC_CACHE_DIR) return env.CRITIC_CACHE_DIR;
  // XDG says a relative value is to be ignored (it would resolve inside the project).
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'critic');
  return join(env.HOME || homedir(), '.cache', 'critic');
}
