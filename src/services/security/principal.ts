/**
 * KafkaPrincipal and the TLS side of Kafka's DefaultKafkaPrincipalBuilder: `User:ANONYMOUS` for PLAINTEXT and for
 * TLS without a client certificate, `User:<mapped DN>` for a verified client certificate, where the DN is in
 * RFC 2253 form (Java's X500Principal.getName(): the RDNs in reverse of the certificate's order, `CN=client,O=org`)
 * and mapped by ssl.principal.mapping.rules (SslPrincipalMapper).
 *
 * Differs from Kafka: principal.builder.class is not pluggable (no JVM classes); RFC 2253 escaping covers the
 * specials `, + " \ < > ;` and a leading `#` or space, not multi-valued RDNs spelled as `+` (rare in practice).
 */
import { X509Certificate } from 'node:crypto';
import { ConfigException } from '../../config/config-exception.js';

export interface KafkaPrincipal { readonly principalType: string; readonly name: string }

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ principalType: 'User', name: 'ANONYMOUS' });

export const principalToString = (p: KafkaPrincipal): string => `${p.principalType}:${p.name}`;

/** SecurityUtils.parseKafkaPrincipal: `Type:name`. */
export function parseKafkaPrincipal(s: string): KafkaPrincipal {
  const i = s.indexOf(':');
  if (i <= 0) throw new Error(`expected a string in format principalType:principalName but got ${s}`);
  return { principalType: s.slice(0, i), name: s.slice(i + 1) };
}

/** RFC 2253 value escaping. */
function escapeDnValue(v: string): string {
  let out = v.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** The subject DN of a DER certificate as Java's X500Principal.getName() prints it. */
export function rfc2253SubjectOf(der: Buffer): string {
  const subject = new X509Certificate(der).subject; // "C=US\nO=Org\nCN=name", certificate order
  const rdns = subject.split('\n').filter((l) => l !== '').map((line) => {
    const eq = line.indexOf('=');
    return `${line.slice(0, eq)}=${escapeDnValue(line.slice(eq + 1))}`;
  });
  return rdns.reverse().join(',');
}

interface Rule { isDefault: boolean; pattern?: RegExp; replacement?: string; toLowerCase?: boolean; toUpperCase?: boolean }

// SslPrincipalMapper's grammar: DEFAULT | RULE:<regex>/<replacement>/[LU], comma-separated.
const RULE_PATTERN = String.raw`(DEFAULT)|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?).*?|(.*?)`;
const RULE_SPLITTER = new RegExp(String.raw`\s*(${RULE_PATTERN})\s*(,\s*|$)`, 'gy');

/** SslPrincipalMapper: the first rule whose regex matches the whole DN wins; DEFAULT is the DN unchanged. */
export class SslPrincipalMapper {
  private readonly rules: Rule[];

  constructor(readonly rulesText: string, private readonly configName = 'ssl.principal.mapping.rules') {
    this.rules = this.parse(rulesText);
  }

  private parse(text: string): Rule[] {
    const rules: Rule[] = [];
    const trimmed = text.trim();
    if (trimmed === '') return [{ isDefault: true }];
    RULE_SPLITTER.lastIndex = 0;
    let pos = 0;
    while (pos < trimmed.length) {
      RULE_SPLITTER.lastIndex = pos;
      const m = RULE_SPLITTER.exec(trimmed);
      if (!m || m[0] === '') throw new ConfigException(this.configName, text, `Invalid rule at '${trimmed.slice(pos)}'`);
      pos = RULE_SPLITTER.lastIndex;
      if (m[6] !== undefined && m[6] !== '') throw new ConfigException(this.configName, text, `Invalid rule: ${m[6]}; expected DEFAULT or RULE:pattern/replacement/[LU]`);
      if (m[2] === 'DEFAULT') { rules.push({ isDefault: true }); continue; }
      if (m[3] === undefined) continue;
      let pattern: RegExp;
      try {
        pattern = new RegExp(`^(?:${m[3]})$`);
      } catch (e) {
        throw new ConfigException(this.configName, text, `Invalid rule pattern ${m[3]}: ${(e as Error).message}`);
      }
      rules.push({ isDefault: false, pattern, replacement: m[4]!.replace(/\\\//g, '/'), toLowerCase: m[5] === 'L', toUpperCase: m[5] === 'U' });
    }
    return rules;
  }

  /** The principal name for a DN; throws when no rule applies (Kafka's NoMatchingRule fails the handshake). */
  getName(dn: string): string {
    for (const r of this.rules) {
      if (r.isDefault) return dn;
      if (!r.pattern!.test(dn)) continue;
      let out = dn.replace(r.pattern!, r.replacement!);
      if (r.toLowerCase) out = out.toLowerCase();
      else if (r.toUpperCase) out = out.toUpperCase();
      return out;
    }
    throw new Error(`No rules apply to ${dn}, rules ${this.rulesText}`);
  }
}
