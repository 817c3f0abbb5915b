import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';
import type { Tag } from '../../store/meta/metadata-store.js';

/** Characters AWS allows in tag keys and values: letters, digits, spaces and + - = . _ : / @ */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Validates a tag set with AWS's rules: at most `maxTags` (10 for objects, 50 for buckets), keys of
 * 1–128 and values of 0–256 characters, allowed characters only, no duplicate keys, no `aws:` keys.
 * Each tag is checked in order, the count last (the order AWS was observed to report them in).
 */
export function validateTagSet(tags: readonly Tag[], maxTags: number = limits.tagsPerObjectMax): readonly Tag[] {
  const seen = new Set<string>();
  for (const { key, value } of tags) {
    const keyChars = [...key].length;
    if (keyChars < 1 || keyChars > limits.tagKeyCharsMax || !TAG_CHARACTERS.test(key)) {
      throw new S3Error('InvalidTag', 'The TagKey you have provided is invalid');
    }
    if ([...value].length > limits.tagValueCharsMax || !TAG_CHARACTERS.test(value)) {
      throw new S3Error('InvalidTag', 'The TagValue you have provided is invalid');
    }
    if (key.toLowerCase().startsWith('aws:')) throw new S3Error('InvalidTag', 'Your TagKey cannot be prefixed with aws:');
    if (seen.has(key)) throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key');
    seen.add(key);
  }
  if (tags.length > maxTags) {
    throw new S3Error(
      'BadRequest',
      maxTags === limits.tagsPerBucketMax ? `Bucket tag count cannot be greater than ${maxTags}` : `Object tags cannot be greater than ${maxTags}`,
    );
  }
  return tags;
}

/** The `x-amz-tagging` header (URL query form `k1=v1&k2=v2`) of PutObject, CopyObject, CreateMultipartUpload. */
export function tagsFromHeader(header: string | undefined): readonly Tag[] {
  if (header === undefined || header === '') return [];
  const tags: Tag[] = [];
  for (const pair of header.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return invalidHeader(header);
      }
    };
    const tag = at < 0 ? { key: decode(pair), value: '' } : { key: decode(pair.slice(0, at)), value: decode(pair.slice(at + 1)) };
    // A repeated name is a malformed header here (InvalidArgument), not InvalidTag as in a TagSet.
    if (tags.some((t) => t.key === tag.key)) invalidHeader(header);
    tags.push(tag);
  }
  return validateTagSet(tags);
}

function invalidHeader(header: string): never {
  throw new S3Error(
    'InvalidArgument',
    'The header \'x-amz-tagging\' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.',
    { ArgumentName: 'x-amz-tagging', ArgumentValue: header },
  );
}
