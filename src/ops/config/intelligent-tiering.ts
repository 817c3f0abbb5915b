/** S3 Intelligent-Tiering archive configurations: stored and listed, with AWS's day ranges per tier. */
import { S3Error } from '../../errors.js';
import type { XmlObject } from '../types.js';
import { childText, element, filterSpec, integer, text } from './schema.js';
import { idKeyedHandlers } from './id-keyed.js';

/** Days without access before objects move to each archive tier: AWS's allowed range. */
const TIER_DAYS: Readonly<Record<string, readonly [number, number]>> = { ARCHIVE_ACCESS: [90, 730], DEEP_ARCHIVE_ACCESS: [180, 730] };

export const intelligentTiering = idKeyedHandlers({
  family: 'intelligent-tiering',
  root: 'IntelligentTieringConfiguration',
  listRoot: 'ListBucketIntelligentTieringConfigurationsOutput',
  spec: element({
    Id: text({ required: true }),
    Filter: filterSpec(),
    Status: text({ required: true, values: ['Enabled', 'Disabled'] }),
    Tiering: element({
      Days: integer({ required: true }),
      AccessTier: text({ required: true, values: Object.keys(TIER_DAYS) }),
    }, { required: true, repeat: true }),
  }),
  check(configuration) {
    const seen = new Set<string>();
    for (const tiering of configuration.Tiering as readonly XmlObject[]) {
      const tier = childText(tiering, 'AccessTier')!;
      const days = Number(childText(tiering, 'Days'));
      const [min, max] = TIER_DAYS[tier]!;
      if (seen.has(tier)) throw new S3Error('InvalidArgument', `Found more than one Tiering with AccessTier ${tier}.`);
      seen.add(tier);
      if (days < min || days > max) {
        throw new S3Error('InvalidArgument', `The Days for AccessTier ${tier} must be between ${min} and ${max}.`);
      }
    }
  },
});
