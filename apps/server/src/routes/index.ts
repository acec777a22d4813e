/**
 * The route table: every endpoint the server answers, in the order express tries them. Adding an
 * endpoint = one `route({...})` in a group file (plus its schemas in ../schemas.ts); routing,
 * validation and the OpenAPI document follow from it.
 */
import { jobRoutes } from './jobs.js';
import { metaRoutes } from './meta.js';
import { modelKindRoutes } from './model-kinds.js';
import { modelRoutes } from './models.js';
import { uploadRoutes } from './uploads.js';
import type { Route } from './route.js';

export const ROUTES: readonly Route[] = [...metaRoutes, ...modelRoutes, ...modelKindRoutes, ...jobRoutes, ...uploadRoutes];

export { route, expressPath, pathParamNames, PATH_PARAMS, type Route, type RouteContext, type Reply, type Method } from './route.js';
