/**
 * A policy document S3 refuses. `message` is the text S3 answers in its `MalformedPolicy` error
 * (400); the caller turns it into `new S3Error('MalformedPolicy', error.message)`.
 *
 * The texts are S3's own, as its PutBucketPolicy answers them. Where no answer of S3's is on
 * record for a fault (an element of the wrong JSON type, an unknown element, a repeated
 * element), the answer is S3's generic "Invalid policy syntax.".
 */
export class PolicyError extends Error {
  readonly code = 'MalformedPolicy';
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

export const POLICY_MESSAGES = {
  notJsonObject: "Policies must be valid JSON and the first byte must be '{'",
  invalidJson: 'This policy contains invalid Json',
  tooLarge: 'Normalized policy document exceeds the maximum allowed size of 20480 bytes',
  syntax: 'Invalid policy syntax.',
  version: 'The policy must contain a valid version string',
  missingStatement: 'Missing required field Statement',
  emptyStatement: 'Could not parse the policy: Statement is empty!',
  duplicateSid: 'Statement IDs (SID) in a single policy must be unique.',
  missingEffect: 'Missing required field Effect',
  effect: (effect: string) => `Invalid effect: ${effect}`,
  missingPrincipal: 'Missing required field Principal',
  principal: 'Invalid principal in policy',
  principalInIdentityPolicy: 'Policy document should not specify a principal.',
  missingAction: 'Missing required field Action',
  action: 'Policy has invalid action',
  missingResource: 'Missing required field Resource',
  resource: 'Policy has invalid resource',
  actionNotApplicable: 'Action does not apply to any resource(s) in statement',
  conditionType: (type: string) => `Invalid Condition type : ${type}`,
  conditionKey: 'Policy has an invalid condition key',
  ipAddress: 'Invalid IP address in Conditions',
  conditionValue: (operator: string) => `Invalid value in Conditions for operator ${operator}`,
} as const;
