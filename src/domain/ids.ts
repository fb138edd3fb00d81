/** Identifier formats: UUIDv7 canonical ids, `agent_…`/`team_…` prefixed ids, deployment names. */
import { randomBytes, randomInt } from "node:crypto";
import { v7 as uuidv7 } from "uuid";

export const newId = (): string => uuidv7();

export const prefixedId = (prefix: string): string => `${prefix}_${uuidv7().replaceAll("-", "")}`;

const NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** 10 characters of [a-z0-9], starting with a letter so it is a valid DNS label. */
export function newDeploymentName(): string {
  let name = NAME_ALPHABET[randomInt(26)]!;
  for (let i = 1; i < 10; i++) name += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)]!;
  return name;
}

/** DNS-label-safe custom names: lowercase letters, digits and dashes, 3–40 characters. */
export const DEPLOYMENT_NAME_PATTERN = /^[a-z]([a-z0-9-]{1,38}[a-z0-9])$/;

export const newApiKeySecret = (): string => `berth_${randomBytes(24).toString("base64url")}`;
