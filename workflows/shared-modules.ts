import { z } from 'zod';

// Loaded once per worker and shared by every workflow it runs (the SDK's preloadModules; see
// src/worker/create-worker.ts). Without it, every cached workflow evaluates its own copy of zod:
// about 1 MB each, 1.7 GiB for 1,000 waiting incidents. Only stateless libraries belong here: the
// SDK deep-freezes what is preloaded, so nothing here may create schemas that others use.

// zod caches one fact lazily on first use (whether it may compile parsers): settle it now,
// before the module is frozen.
z.object({ warm: z.string().default('up') }).parse({});
