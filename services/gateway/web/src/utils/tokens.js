// Token amounts: the API writes micro-tokens (1 token = 1,000,000) as strings of digits, which
// may exceed 2^53, so they are handled as BigInt and never as floating point.
export const MICRO = 1000000n;

// "1500000" -> "1.5"; "-2000000" -> "-2"; bad input -> "—".
export function formatTokens(micro) {
  let v;
  try {
    v = BigInt(String(micro ?? ''));
  } catch {
    return '—';
  }
  if (micro === '' || micro === null || micro === undefined) return '—';
  const sign = v < 0n ? '-' : '';
  if (v < 0n) v = -v;
  const whole = (v / MICRO).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = (v % MICRO).toString().padStart(6, '0').replace(/0+$/, '');
  return `${sign}${whole}${frac ? `.${frac}` : ''}`;
}

// "1.5" -> "1500000". Throws a readable Error for anything but a positive amount with at most
// six decimals.
export function parseTokens(text) {
  const t = String(text ?? '').trim().replace(/,/g, '');
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(t);
  if (!m) throw new Error('Write an amount of tokens such as 12 or 0.5 (at most six decimals).');
  const micro = BigInt(m[1]) * MICRO + BigInt((m[2] || '').padEnd(6, '0'));
  if (micro === 0n) throw new Error('The amount must be more than zero.');
  return micro.toString();
}

const big = (s) => {
  try {
    return BigInt(String(s ?? '0'));
  } catch {
    return 0n;
  }
};

// Share num/den as a number 0..1 (0 when den is 0), exact enough for display.
function share(num, den) {
  if (den === 0n) return 0;
  return Number((num * 1000000n) / den) / 1000000;
}

// What a proposal's tally means against its rules, for drawing and for words.
// turnout = yes + no + abstain + veto, against the power snapshotted when voting opened;
// the quorum is a weight; the threshold is the share of yes among yes + no + veto; the veto
// threshold a share of every vote cast.
export function tallyModel(p) {
  const v = p?.votes || {};
  const yes = big(v.yes);
  const no = big(v.no);
  const abstain = big(v.abstain);
  const veto = big(v.veto);
  const total = big(p?.totalPower);
  const quorum = big(p?.quorum);
  const turnout = yes + no + abstain + veto;
  const decisive = yes + no + veto;
  const threshold = Number(p?.threshold ?? 0.5);
  const vetoThreshold = Number(p?.vetoThreshold ?? 0);
  const yesShare = share(yes, decisive);
  const vetoShare = share(veto, turnout);
  return {
    total,
    turnout,
    parts: total > 0n ? {
      yes: share(yes, total), no: share(no, total), abstain: share(abstain, total), veto: share(veto, total),
    } : { yes: 0, no: 0, abstain: 0, veto: 0 },
    quorumAt: share(quorum, total),
    quorumReached: quorum > 0n ? turnout >= quorum : turnout > 0n,
    yesShare,
    threshold,
    passing: decisive > 0n && yesShare > threshold,
    vetoShare,
    vetoThreshold,
    vetoed: vetoThreshold > 0 && turnout > 0n && vetoShare >= vetoThreshold,
  };
}
