/**
 * The zod every module under `functions/` builds its schemas with: `zod/mini`, zod's functional
 * API (`z.optional(z.string())`, `.check(z.minLength(1))` instead of methods), with zod's English
 * messages configured as the classic API does on import.
 *
 * Why not the classic `zod` API: it is a fixed ~85 KB of every Lambda bundle (mini ~12 KB, measured
 * with esbuild on a one-schema file; English messages add ~7 KB) and attaches its methods to every
 * schema as it is built, which is most of the import cost of a module with hundreds of schemas.
 * Parsing and its results (`safeParse`, issues, messages) are the same; both are zod 4 core.
 * Tools outside `functions/` (local/, cli/, infra/, tests) may use either; they are not bundled.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
