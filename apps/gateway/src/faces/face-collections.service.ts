import { Injectable } from '@nestjs/common';
import { FaceshardError, type CollectionSpec, type StoredIdentity } from '@faceshard/contracts';
import { checkName } from '../common/ids';
import { CollectionsService } from '../collections/collections.service';
import { RingService } from '../cluster/ring.service';
import { ShardClient } from '../cluster/shard-client.service';
import { FacePipelineService, type FaceModelInfo } from './face-pipeline.service';

/** What the face endpoints share: the collection must hold this server's model; identities are read from their owner. */
@Injectable()
export class FaceCollectionsService {
  constructor(
    private readonly collections: CollectionsService,
    private readonly pipeline: FacePipelineService,
    private readonly ring: RingService,
    private readonly shards: ShardClient,
  ) {}

  /** The collection and the model, or 404 / MODEL_MISMATCH (photos cannot be matched against other embeddings). */
  async require(name: string): Promise<{ collection: CollectionSpec; model: FaceModelInfo }> {
    const [collection, model] = await Promise.all([this.collections.require(name), this.pipeline.model()]);
    const modelFits = collection.model === undefined ? collection.dimension === model.dimension : collection.model === model.id;
    if (!modelFits) {
      throw new FaceshardError(
        'MODEL_MISMATCH',
        `collection "${name}" holds ${collection.model ? `embeddings of model "${collection.model}"` : `${collection.dimension}-D embeddings`}; this server's model is "${model.id}" (${model.dimension}-D)`,
        { collectionModel: collection.model ?? null, dimension: collection.dimension, serverModel: model.id },
      );
    }
    return { collection, model };
  }

  /** The identity from its owner shard, or IDENTITY_NOT_FOUND. */
  async identity(collection: CollectionSpec, identityId: string, withVectors = false): Promise<StoredIdentity> {
    checkName('identity', identityId);
    const owner = this.ring.current().ownerOf(identityId);
    const { identity } = await this.shards.read(owner, 'get', { collection: collection.name, generation: collection.generation, identityId, withVectors });
    if (!identity) throw new FaceshardError('IDENTITY_NOT_FOUND', `no identity "${identityId}" in collection "${collection.name}"`);
    return identity;
  }
}
