/**
 * Kafka's JaasConfig parser for `sasl.jaas.config` values: `<LoginModule> <required|requisite|sufficient|optional>
 * key="value" key2=value2;` (one or more modules). Rafka reads the options of the first module: `user_<name>`
 * (PLAIN users), `username` / `password` (the broker's own login for inter-broker connections).
 * Errors name the key (never the value: it holds passwords).
 */
import { ConfigException } from '../../config/config-exception.js';

export interface JaasModule { loginModule: string; flag: string; options: Map<string, string> }

const TOKEN = /\s*(?:"((?:[^"\\]|\\.)*)"|([^\s=;"]+)|(=)|(;))/y;

export function parseJaasConfig(key: string, text: string): JaasModule[] {
  const tokens: string[] = [];
  const kinds: Array<'word' | 'quoted' | '=' | ';'> = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  const trimmed = text.trim();
  while (pos < trimmed.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(trimmed);
    if (!m) throw new ConfigException(key, '[hidden]', `unparsable JAAS configuration at character ${pos}: expected 'LoginModule required key="value";'`);
    pos = TOKEN.lastIndex;
    if (m[1] !== undefined) { tokens.push(m[1].replace(/\\(.)/g, '$1')); kinds.push('quoted'); }
    else if (m[2] !== undefined) { tokens.push(m[2]); kinds.push('word'); }
    else if (m[3] !== undefined) { tokens.push('='); kinds.push('='); }
    else { tokens.push(';'); kinds.push(';'); }
    if (/^\s*$/.test(trimmed.slice(pos))) break;
  }
  const modules: JaasModule[] = [];
  let i = 0;
  const bad = (why: string): never => { throw new ConfigException(key, '[hidden]', `invalid JAAS configuration: ${why}`); };
  while (i < tokens.length) {
    if (kinds[i] !== 'word') bad('expected a login module class name');
    const loginModule = tokens[i++]!;
    const flag = tokens[i++];
    if (!flag || !['required', 'requisite', 'sufficient', 'optional'].includes(flag.toLowerCase())) bad(`login module ${loginModule} needs a control flag (required, requisite, sufficient or optional)`);
    const options = new Map<string, string>();
    while (i < tokens.length && kinds[i] !== ';') {
      const name = tokens[i++]!;
      if (kinds[i] !== '=') bad(`option ${name} of ${loginModule} needs '=' and a value`);
      i++;
      if (i >= tokens.length || (kinds[i] !== 'word' && kinds[i] !== 'quoted')) bad(`option ${name} of ${loginModule} has no value`);
      options.set(name, tokens[i++]!);
    }
    if (kinds[i] !== ';') bad(`login module ${loginModule} must end with ';'`);
    i++;
    modules.push({ loginModule, flag: flag!.toLowerCase(), options });
  }
  if (modules.length === 0) bad('no login module');
  return modules;
}

/** PlainServerCallbackHandler's users: every `user_<name>="<password>"` option. */
export function plainUsers(modules: readonly JaasModule[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const [k, v] of modules[0]!.options) if (k.startsWith('user_')) users.set(k.slice('user_'.length), v);
  return users;
}
