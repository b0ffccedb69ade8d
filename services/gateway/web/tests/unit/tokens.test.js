import { describe, expect, it } from 'vitest';
import { formatTokens, parseTokens, tallyModel } from '@/utils/tokens';

describe('token amounts', () => {
  it('formats micro-token strings exactly, beyond 2^53 too', () => {
    expect(formatTokens('1500000')).toBe('1.5');
    expect(formatTokens('0')).toBe('0');
    expect(formatTokens('-2000000')).toBe('-2');
    expect(formatTokens('1')).toBe('0.000001');
    expect(formatTokens('1000000000000000000001')).toBe('1,000,000,000,000,000.000001');
    expect(formatTokens('abc')).toBe('—');
    expect(formatTokens(undefined)).toBe('—');
  });
  it('parses what a user types, refusing what is not an amount', () => {
    expect(parseTokens('12')).toBe('12000000');
    expect(parseTokens(' 0.5 ')).toBe('500000');
    expect(parseTokens('1,000.000001')).toBe('1000000001');
    for (const bad of ['', '-1', '0', '0.0000001', '1e6', 'abc', '1.2.3']) {
      expect(() => parseTokens(bad), bad).toThrow();
    }
  });
});

describe('tally model', () => {
  const p = (votes, extra = {}) => ({ votes, totalPower: '1000', quorum: '334', threshold: 0.5, vetoThreshold: 0.334, ...extra });
  it('misses the quorum below it and reaches it at exactly the quorum', () => {
    expect(tallyModel(p({ yes: '300', no: '0', abstain: '33', veto: '0' })).quorumReached).toBe(false);
    const at = tallyModel(p({ yes: '300', no: '0', abstain: '34', veto: '0' }));
    expect(at.quorumReached).toBe(true);
    expect(at.quorumAt).toBeCloseTo(0.334);
    expect(at.parts.yes).toBeCloseTo(0.3);
  });
  it('needs strictly more than the threshold, counts veto against, ignores abstain', () => {
    expect(tallyModel(p({ yes: '200', no: '200', abstain: '100', veto: '0' })).passing).toBe(false);
    expect(tallyModel(p({ yes: '201', no: '200', abstain: '500', veto: '0' })).passing).toBe(true);
    expect(tallyModel(p({ yes: '300', no: '0', abstain: '0', veto: '301' })).passing).toBe(false);
    expect(tallyModel(p({ yes: '0', no: '0', abstain: '900', veto: '0' })).passing).toBe(false);
  });
  it('is vetoed at the veto share of all votes cast', () => {
    expect(tallyModel(p({ yes: '666', no: '0', abstain: '0', veto: '334' })).vetoed).toBe(true);
    expect(tallyModel(p({ yes: '667', no: '0', abstain: '0', veto: '333' })).vetoed).toBe(false);
  });
  it('draws nothing for a proposal without power', () => {
    const m = tallyModel({ votes: {}, totalPower: '0', quorum: '0' });
    expect(m.parts).toEqual({ yes: 0, no: 0, abstain: 0, veto: 0 });
    expect(m.quorumReached).toBe(false);
  });
});
