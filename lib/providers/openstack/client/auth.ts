/**
 * Keystone v3 authentication: the request body for each method, and the token with its service
 * catalog. The token is a bearer credential: it lives only in memory and never in a message.
 */
import { ErrorCode, HybridError } from '../../../core/errors';
import type { CloudConfig } from './config';

export interface CatalogEndpoint {
  readonly interface: string;
  readonly region?: string;
  readonly region_id?: string;
  readonly url: string;
}

export interface CatalogService {
  readonly type: string;
  readonly name?: string;
  readonly endpoints: ReadonlyArray<CatalogEndpoint>;
}

export interface Token {
  readonly value: string;
  readonly expiresAt: number;
  readonly catalog: ReadonlyArray<CatalogService>;
  readonly projectId?: string;
  readonly userId?: string;
}

/** `http://host:5000`, `.../v3/` or `.../identity` → the v3 base URL. */
export function identityBase(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  if (/\/v3$/.test(trimmed)) return trimmed;
  if (/\/v2\.0$/.test(trimmed)) return trimmed.replace(/\/v2\.0$/, '/v3');
  return `${trimmed}/v3`;
}

function domain(name?: string, id?: string): { name?: string; id?: string } | undefined {
  if (id) return { id };
  if (name) return { name };
  return undefined;
}

/** The body of POST /v3/auth/tokens for the configured method. */
export function authRequestBody(config: CloudConfig): any {
  if (config.authMethod === 'application_credential') {
    const credential: any = { secret: config.applicationCredentialSecret };
    if (config.applicationCredentialId) credential.id = config.applicationCredentialId;
    else {
      credential.name = config.applicationCredentialName;
      credential.user = config.userId ? { id: config.userId } : { name: config.username, domain: domain(config.userDomainName, config.userDomainId) ?? { id: 'default' } };
    }
    // An application credential carries its own scope: asking for another is an error.
    return { auth: { identity: { methods: ['application_credential'], application_credential: credential } } };
  }
  let identity: any;
  if (config.authMethod === 'token') identity = { methods: ['token'], token: { id: config.token } };
  else {
    const user: any = config.userId
      ? { id: config.userId, password: config.password }
      : { name: config.username, domain: domain(config.userDomainName, config.userDomainId) ?? { id: 'default' }, password: config.password };
    identity = { methods: ['password'], password: { user } };
  }
  let scope: any;
  if (config.projectId) scope = { project: { id: config.projectId } };
  else if (config.projectName) scope = { project: { name: config.projectName, domain: domain(config.projectDomainName, config.projectDomainId) ?? { id: 'default' } } };
  else if (config.domainId || config.domainName) scope = { domain: domain(config.domainName, config.domainId) };
  return { auth: { identity, ...(scope ? { scope } : {}) } };
}

/** Reads Keystone's answer into a Token; a token without a catalog cannot reach any service. */
export function parseToken(subjectToken: string | undefined, body: any, cloud: string): Token {
  const token = body?.token;
  if (!subjectToken || !token) {
    throw new HybridError(ErrorCode.ProviderAuthFailed, `Keystone of cloud '${cloud}' answered without a token`);
  }
  const catalog = Array.isArray(token.catalog) ? token.catalog : [];
  if (catalog.length === 0) {
    throw new HybridError(ErrorCode.ProviderAuthFailed, `Keystone of cloud '${cloud}' gave an unscoped token (no service catalog): set project_name or project_id`);
  }
  const expiresAt = Date.parse(token.expires_at ?? '');
  return {
    value: subjectToken,
    expiresAt: Number.isNaN(expiresAt) ? Date.now() + 3600_000 : expiresAt,
    catalog,
    projectId: token.project?.id,
    userId: token.user?.id,
  };
}

/** Service types as catalogs spell them, newest first (the block-storage service has had four). */
export const SERVICE_TYPE_ALIASES: { readonly [service: string]: ReadonlyArray<string> } = {
  compute: ['compute'],
  network: ['network'],
  image: ['image'],
  identity: ['identity'],
  'block-storage': ['block-storage', 'volumev3', 'block-store', 'volume', 'volumev2'],
  placement: ['placement'],
};

/** The endpoint URL of a service for an interface and region; fails naming what the catalog has. */
export function findEndpoint(catalog: ReadonlyArray<CatalogService>, service: string, endpointInterface: string, region: string | undefined, cloud: string): string {
  const types = SERVICE_TYPE_ALIASES[service] ?? [service];
  for (const type of types) {
    const entry = catalog.find((candidate) => candidate.type === type);
    if (!entry) continue;
    const endpoint = entry.endpoints.find(
      (candidate) => candidate.interface === endpointInterface && (!region || candidate.region_id === region || candidate.region === region),
    );
    if (endpoint) return endpoint.url.replace(/\/+$/, '');
    const offered = entry.endpoints.map((candidate) => `${candidate.interface}@${candidate.region_id ?? candidate.region ?? '?'}`).join(', ');
    throw new HybridError(ErrorCode.ProviderAuthFailed, `cloud '${cloud}' has no ${endpointInterface} endpoint for ${type}${region ? ` in region ${region}` : ''} (it offers ${offered})`);
  }
  throw new HybridError(
    ErrorCode.ProviderAuthFailed,
    `cloud '${cloud}' has no ${service} service in its catalog (it has ${catalog.map((entry) => entry.type).sort().join(', ')})`,
  );
}
