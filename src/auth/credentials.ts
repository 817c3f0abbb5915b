/** A user Coffer knows: its keys and its canonical identity (Owner ID / DisplayName in XML). */
export interface User {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Canonical user id: 64 hex characters, as AWS shows in `Owner/ID`. */
  readonly id: string;
  readonly displayName: string;
  readonly email?: string;
}

/** Looks users up by access key id. Lookups are synchronous and cheap (in-memory). */
export interface CredentialStore {
  byAccessKeyId(accessKeyId: string): User | undefined;
  byId(id: string): User | undefined;
  /** For ACL grants by email address (case-insensitive, as AWS matches them). */
  byEmail(email: string): User | undefined;
}

export class StaticCredentialStore implements CredentialStore {
  private readonly byKey = new Map<string, User>();
  private readonly byCanonicalId = new Map<string, User>();
  private readonly byEmailAddress = new Map<string, User>();

  constructor(users: readonly User[]) {
    for (const user of users) {
      this.byKey.set(user.accessKeyId, user);
      this.byCanonicalId.set(user.id, user);
      if (user.email) this.byEmailAddress.set(user.email.toLowerCase(), user);
    }
  }

  byAccessKeyId(accessKeyId: string): User | undefined {
    return this.byKey.get(accessKeyId);
  }

  byId(id: string): User | undefined {
    return this.byCanonicalId.get(id);
  }

  byEmail(email: string): User | undefined {
    return this.byEmailAddress.get(email.toLowerCase());
  }
}
