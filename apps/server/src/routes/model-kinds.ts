/**
 * GET /v1/model-kinds: the registered panel model kinds (@seqcast/forecast's registry) with the
 * options a panel job of each accepts, as JSON Schema with their defaults — what the page's
 * training form builds its fields from, so it keeps no copy of them.
 */
import { DEFAULT_MODEL_KIND, panelModelKinds } from '@seqcast/forecast';
import { z } from 'zod';
import { jobSchemas } from '../job-schemas.js';
import { responses } from '../schemas.js';
import type { ModelKindList } from '../wire.js';
import { route } from './route.js';

export const modelKindRoutes = [
  route({
    method: 'get',
    path: '/v1/model-kinds',
    operationId: 'listModelKinds',
    auth: 'open',
    summary: 'Panel model kinds a training job can name (`model`), each with its options, their ranges and defaults',
    reply: { status: 200, description: 'The registered kinds, the default first', body: { component: 'ModelKindList', schema: responses.modelKinds } },
    handle: (ctx): ModelKindList => {
      const { panelOptionsByKind } = jobSchemas(ctx.options.limits);
      const kinds = panelModelKinds().map((k) => ({
        kind: k.kind,
        name: k.name,
        summary: k.summary,
        default: k.kind === DEFAULT_MODEL_KIND,
        options: z.toJSONSchema(panelOptionsByKind[k.kind]!, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
      }));
      return { kinds: [...kinds.filter((k) => k.default), ...kinds.filter((k) => !k.default)] };
    },
  }),
];
