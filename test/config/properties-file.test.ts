import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigException } from '../../src/config/config-exception.js';
import {
  applyOverrides, loadPropertiesFile, parseOverride, parsePropertiesText,
} from '../../src/config/properties-file.js';

const SERVER_PROPERTIES = `
# Licensed to the Apache Software Foundation
############################# Server Basics #############################
broker.id=0

listeners = PLAINTEXT://:9092,INTERNAL://[::1]:9093
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT
   num.network.threads   =   3
zookeeper.connect=zk1:2181,zk2:2181/kafka/prod
auto.create.topics.enable=false
delete.topic.enable=true
broker.rack=null
sasl.jaas.config=org.example.Login required user="a;b" pass="c#d";
log.dirs=/data/a,/data/b
empty.value=
`;

describe('parsePropertiesText', () => {
  const props = parsePropertiesText(SERVER_PROPERTIES);

  it('returns only strings, trimming spaces around keys and values', () => {
    expect(props['broker.id']).toBe('0');
    expect(props['num.network.threads']).toBe('3');
    expect(Object.values(props).every((v) => typeof v === 'string')).toBe(true);
  });

  it('turns ini booleans and null back into the text that was written', () => {
    expect(props['auto.create.topics.enable']).toBe('false');
    expect(props['delete.topic.enable']).toBe('true');
    expect(props['broker.rack']).toBe('null');
  });

  it('keeps values containing "=", ":", "/", ";" and "#" intact', () => {
    expect(props['listeners']).toBe('PLAINTEXT://:9092,INTERNAL://[::1]:9093');
    expect(props['listener.security.protocol.map']).toBe('PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT');
    expect(props['zookeeper.connect']).toBe('zk1:2181,zk2:2181/kafka/prod');
    expect(props['sasl.jaas.config']).toBe('org.example.Login required user="a;b" pass="c#d";');
    expect(parsePropertiesText('a=x=y=z')['a']).toBe('x=y=z');
  });

  it('skips comment and blank lines, keeps empty values', () => {
    expect(Object.keys(props).some((k) => k.startsWith('#'))).toBe(false);
    expect(props['empty.value']).toBe('');
    expect(Object.keys(props)).toHaveLength(11);
  });

  it('lets a later duplicate key win, as java.util.Properties does', () => {
    expect(parsePropertiesText('num.partitions=1\nnum.partitions=4')['num.partitions']).toBe('4');
  });

  it('flattens [sections] into dotted keys instead of dropping them', () => {
    expect(parsePropertiesText('[log]\nretention.hours=1')).toEqual({ 'log.retention.hours': '1' });
  });

  it('does not expand ${...} references', () => {
    expect(parsePropertiesText('log.dir=${HOME}/x')['log.dir']).toBe('${HOME}/x');
  });
});

describe('loadPropertiesFile', () => {
  it('reads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rafka-config-'));
    const path = join(dir, 'server.properties');
    writeFileSync(path, 'broker.id=7\nzookeeper.connect=localhost:2181\n');
    expect(loadPropertiesFile(path)).toEqual({ 'broker.id': '7', 'zookeeper.connect': 'localhost:2181' });
  });

  it('names the path when the file cannot be read', () => {
    const path = join(tmpdir(), 'rafka-does-not-exist', 'server.properties');
    expect(() => loadPropertiesFile(path)).toThrow(ConfigException);
    expect(() => loadPropertiesFile(path)).toThrow(path);
  });
});

describe('overrides', () => {
  it('splits at the first "=" only', () => {
    expect(parseOverride('zookeeper.connect=h:2181/chroot')).toEqual(['zookeeper.connect', 'h:2181/chroot']);
    expect(parseOverride('a=b=c')).toEqual(['a', 'b=c']);
    expect(parseOverride('broker.rack=')).toEqual(['broker.rack', '']);
  });

  it('rejects arguments without a key', () => {
    expect(() => parseOverride('novalue')).toThrow(/Invalid override 'novalue'/);
    expect(() => parseOverride('=x')).toThrow(ConfigException);
  });

  it('win over the file, the last override winning', () => {
    const file = { 'broker.id': '0', 'num.partitions': '1' };
    const merged = applyOverrides(file, ['broker.id=2', 'broker.id=3', 'log.dirs=/x']);
    expect(merged).toEqual({ 'broker.id': '3', 'num.partitions': '1', 'log.dirs': '/x' });
    expect(file['broker.id']).toBe('0');
  });
});

describe('java.util.Properties syntax beyond key=value', () => {
  it('accepts ":" and whitespace as separators, and a lone key as an empty value', () => {
    expect(parsePropertiesText('num.partitions: 3\nbroker.rack r1\nlog.dir\n')).toEqual({
      'num.partitions': '3', 'broker.rack': 'r1', 'log.dir': '',
    });
    expect(parsePropertiesText('zookeeper.connect: h:2181/c')['zookeeper.connect']).toBe('h:2181/c');
  });

  it('joins backslash-continued lines and treats "!" lines as comments', () => {
    const text = 'sasl.jaas.config=Login required \\\n    user="a" \\\n    pass="b";\n! comment\nx=1';
    expect(parsePropertiesText(text)).toEqual({ 'sasl.jaas.config': 'Login required user="a" pass="b";', x: '1' });
  });
});
