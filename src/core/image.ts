import { PlatformConfigError } from './errors';

/** A container image, always registry-qualified and pinned by tag. */
export interface ImageProps {
  /** The registry host, e.g. `docker.io`, `quay.io`, `harbor.254carbon.com`. */
  readonly registry: string;
  /** The repository inside the registry, e.g. `apache/dolphinscheduler-api`. */
  readonly repository: string;
  /** The tag; required, and never `latest`. */
  readonly tag: string;
}

const REGISTRY = /^(localhost|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)(:\d{1,5})?$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * An image reference checked at construction: an explicit registry host, a repository and a pinned tag.
 * `latest` (in any case) and a missing tag are rejected, because they make the running version depend on
 * the day a node pulled it (one outage came from an image that existed on one node only).
 */
export class Image {
  /** Parses `registry/repository:tag`, e.g. `docker.io/apache/spark:3.5.0`. */
  public static parse(reference: string, where = 'image'): Image {
    const slash = reference.indexOf('/');
    const first = slash > 0 ? reference.slice(0, slash) : '';
    if (!first || !(first.includes('.') || first.includes(':') || first === 'localhost')) {
      throw new PlatformConfigError(where, `image '${reference}' has no registry host`,
        `write it registry-qualified, e.g. 'docker.io/${reference.includes('/') ? reference : `library/${reference}`}'`);
    }
    const rest = reference.slice(slash + 1);
    if (rest.includes('@')) {
      throw new PlatformConfigError(where, `image '${reference}' uses a digest`, 'pin it by tag (registry/repository:tag)');
    }
    const colon = rest.lastIndexOf(':');
    if (colon < 0) {
      throw new PlatformConfigError(where, `image '${reference}' has no tag`, `pin a released tag, e.g. '${reference}:1.2.3'`);
    }
    return new Image({ registry: first, repository: rest.slice(0, colon), tag: rest.slice(colon + 1) }, where);
  }

  public readonly registry: string;
  public readonly repository: string;
  public readonly tag: string;

  constructor(props: ImageProps, where = 'image') {
    const shown = `${props.registry}/${props.repository}:${props.tag}`;
    if (!REGISTRY.test(props.registry)) {
      throw new PlatformConfigError(where, `image '${shown}' has registry '${props.registry}', which is not a registry host`,
        "name the registry host explicitly, e.g. 'docker.io' or 'harbor.254carbon.com'");
    }
    if (!REPOSITORY.test(props.repository)) {
      throw new PlatformConfigError(where, `image '${shown}' has an invalid repository '${props.repository}'`,
        "use lower-case path components, e.g. 'apache/spark'");
    }
    if (!props.tag) {
      throw new PlatformConfigError(where, `image '${shown}' has no tag`, 'pin a released tag');
    }
    if (props.tag.toLowerCase() === 'latest') {
      throw new PlatformConfigError(where, `image '${shown}' uses the tag 'latest'`, 'pin a released version tag instead of latest');
    }
    if (!TAG.test(props.tag)) {
      throw new PlatformConfigError(where, `image '${shown}' has an invalid tag '${props.tag}'`, 'use a tag of [A-Za-z0-9_.-], at most 128 characters');
    }
    this.registry = props.registry;
    this.repository = props.repository;
    this.tag = props.tag;
  }

  /** The full reference, `registry/repository:tag`. */
  public get reference(): string {
    return `${this.registry}/${this.repository}:${this.tag}`;
  }

  /** The same image with another tag. */
  public withTag(tag: string, where?: string): Image {
    return new Image({ registry: this.registry, repository: this.repository, tag }, where);
  }

  public toString(): string {
    return this.reference;
  }
}
