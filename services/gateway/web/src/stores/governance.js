// The governance view's state: proposals (state filter, cursor pages), the parameter registry
// that drives the proposal form, the caller's wallet (balance, entries) and the operators.
// Every number of tokens stays a string of micro-tokens (utils/tokens.js formats them).
import { defineStore } from 'pinia';
import { api } from '@/services/api';

export const PAGE_SIZE = 20;

// A fresh idempotency key per user action: a retried request changes nothing twice.
const newKey = () => globalThis.crypto.randomUUID();

export const useGovernanceStore = defineStore('governance', {
  state: () => ({
    proposals: [],
    stateFilter: '',
    cursors: [''],
    page: 0,
    nextCursor: null,
    parameters: [],
    balance: null,
    entries: [],
    entriesNext: null,
    operators: [],
    error: null,
    notImplemented: false,
  }),
  actions: {
    async guard(fn) {
      try {
        const out = await fn();
        this.notImplemented = false;
        return out;
      } catch (e) {
        if (e?.status === 501) this.notImplemented = true;
        this.error = e;
        throw e;
      }
    },
    async loadProposals() {
      this.error = null;
      const res = await this.guard(() => api.proposals({
        state: this.stateFilter || undefined, limit: PAGE_SIZE, cursor: this.cursors[this.page] || undefined }));
      this.proposals = res?.proposals || [];
      this.nextCursor = res?.nextCursor || null;
    },
    setFilter(state) {
      this.stateFilter = state;
      this.cursors = [''];
      this.page = 0;
      return this.loadProposals();
    },
    nextPage() {
      if (!this.nextCursor) return undefined;
      this.cursors[this.page + 1] = this.nextCursor;
      this.page++;
      return this.loadProposals();
    },
    prevPage() {
      if (this.page === 0) return undefined;
      this.page--;
      return this.loadProposals();
    },
    // Puts a fresher copy of one proposal (after a vote, or from the live feed) in the list.
    replace(p) {
      const i = this.proposals.findIndex((x) => x.id === p.id);
      if (i >= 0) this.proposals[i] = p;
    },
    async vote(id, choice) {
      const res = await api.vote(id, choice);
      if (res?.proposal) this.replace(res.proposal);
      return res?.proposal;
    },
    async create(body) {
      const res = await api.createProposal(body);
      await this.setFilter('');
      return res?.proposal;
    },
    async loadParameters() {
      this.parameters = (await this.guard(() => api.parameters()))?.parameters || [];
    },
    async loadWallet() {
      this.balance = (await this.guard(() => api.myBalance()))?.balance || null;
      const res = await api.myEntries({ limit: PAGE_SIZE });
      this.entries = res?.entries || [];
      this.entriesNext = res?.nextCursor || null;
    },
    async moreEntries() {
      if (!this.entriesNext) return;
      const res = await api.myEntries({ limit: PAGE_SIZE, cursor: this.entriesNext });
      this.entries.push(...(res?.entries || []));
      this.entriesNext = res?.nextCursor || null;
    },
    async bond(micro) {
      this.balance = (await api.bond(micro, newKey()))?.balance || this.balance;
      await this.loadWallet();
    },
    async unbond(micro) {
      this.balance = (await api.unbond(micro, newKey()))?.balance || this.balance;
      await this.loadWallet();
    },
    async transfer(to, micro, reason) {
      this.balance = (await api.transfer(to, micro, reason || undefined, newKey()))?.balance || this.balance;
      await this.loadWallet();
    },
    async loadOperators() {
      this.operators = (await this.guard(() => api.operators({ limit: 100 })))?.operators || [];
    },
  },
});
