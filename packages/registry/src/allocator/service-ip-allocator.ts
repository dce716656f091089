/**
 * The portal (cluster) IP allocator. Each allocated address is one storage key
 * (`<prefix><ip>` → `{owner, allocatedAt}`) written with create-if-absent, so two apiservers can
 * never hand out the same address and no single key is contended — the model of upstream's
 * IPAddress-object allocator (KEP-1880) rather than its older single-bitmap one.
 *
 * IPv4 only for now: an IPv6 range is rejected with AllocatorError 'Invalid'.
 */
import ipaddr from 'ipaddr.js';
import { isStorageError, type Storage } from '../storage/types.js';

export type AllocatorErrorCode = 'NotInRange' | 'Allocated' | 'Full' | 'Invalid';

export class AllocatorError extends Error {
  override readonly name = 'AllocatorError';
  constructor(
    readonly code: AllocatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ServiceIpAllocatorOptions {
  storage: Storage;
  /** The service CIDR. Default `10.0.0.0/16`. IPv4, prefix length 8 to 30. */
  cidr?: string;
  /** Key prefix of the allocation records. Default `/registry/serviceips/`. */
  prefix?: string;
}

export interface RepairOptions {
  /**
   * Keep allocations younger than this even if their owner is not live: an allocation is made
   * just before its service is stored, so a repair running in between must not free it.
   * Default 0 (suits a repair at startup, before any service is being created).
   */
  minAgeMs?: number;
}

export interface ServiceIpAllocator {
  /** The range, normalised to its network address, e.g. `10.0.0.0/16`. */
  readonly cidr: string;
  /** Usable addresses: the range without its network and broadcast addresses. */
  readonly size: number;
  /** The address is usable in this range (not the network or broadcast address). */
  contains(ip: string): boolean;
  /** Allocates a random free address (never the first usable one, kept for `kubernetes`). */
  allocate(owner: string): Promise<string>;
  allocateSpecific(ip: string, owner: string): Promise<void>;
  /** Frees an address; freeing a free or out-of-range address does nothing. */
  release(ip: string): Promise<void>;
  isAllocated(ip: string): Promise<boolean>;
  /** Every allocated address, in numeric order. */
  allocated(): Promise<string[]>;
  /** Frees the addresses whose owner is not live; returns them. */
  /** Releases allocations whose owner no longer holds them (`liveOwners(owner, ip)` says false). */
  repair(liveOwners: (owner: string, ip: string) => Promise<boolean>, options?: RepairOptions): Promise<string[]>;
}

interface Allocation {
  owner: string;
  allocatedAt: string;
}

/** Random picks before falling back to a scan of the free addresses (only when the range is crowded). */
const RANDOM_TRIES = 8;

const toNumber = (ip: ipaddr.IPv4): number => ip.octets.reduce((n, o) => n * 256 + o, 0);
const toAddress = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

function parseRange(cidr: string): { base: number; bits: number } {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    throw new AllocatorError('Invalid', `invalid service CIDR "${cidr}"`);
  }
  const [addr, bits] = parsed;
  if (addr.kind() !== 'ipv4') {
    throw new AllocatorError('Invalid', `service CIDR "${cidr}" is IPv6; only IPv4 service ranges are supported`);
  }
  if (bits < 8 || bits > 30) {
    throw new AllocatorError('Invalid', `service CIDR "${cidr}" must have a prefix length from /8 to /30`);
  }
  const hostBits = 32 - bits;
  // Normalise 10.0.3.7/16 to its network address.
  const base = Math.floor(toNumber(addr as ipaddr.IPv4) / 2 ** hostBits) * 2 ** hostBits;
  return { base, bits };
}

/** A dotted-quad IPv4 address as a number, or undefined. */
function parseIp(ip: string): number | undefined {
  return ipaddr.IPv4.isValidFourPartDecimal(ip) ? toNumber(ipaddr.IPv4.parse(ip)) : undefined;
}

function parseAllocation(value: string): Allocation | undefined {
  try {
    const v = JSON.parse(value) as Partial<Allocation> | null;
    return v && typeof v.owner === 'string' ? { owner: v.owner, allocatedAt: String(v.allocatedAt ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

export function createServiceIpAllocator(opts: ServiceIpAllocatorOptions): ServiceIpAllocator {
  const { storage } = opts;
  const cidr = opts.cidr ?? '10.0.0.0/16';
  const prefix = opts.prefix ?? '/registry/serviceips/';
  const { base, bits } = parseRange(cidr);
  const total = 2 ** (32 - bits);
  const size = total - 2;
  const normalised = `${toAddress(base)}/${bits}`;
  // Usable offsets are 1..total-2; offset 1 is the `kubernetes` service's, so allocate() starts at 2.
  const firstDynamic = 2;
  const dynamicCount = total - 1 - firstDynamic;

  const offsetOf = (ip: string): number | undefined => {
    const n = parseIp(ip);
    if (n === undefined) return undefined;
    const off = n - base;
    return off >= 1 && off <= total - 2 ? off : undefined;
  };
  const keyOf = (offset: number): string => prefix + toAddress(base + offset);
  const record = (owner: string): string => JSON.stringify({ owner, allocatedAt: new Date().toISOString() } satisfies Allocation);

  /** Creates the record; false if the address is taken. */
  async function claim(offset: number, owner: string): Promise<boolean> {
    try {
      await storage.create(keyOf(offset), record(owner));
      return true;
    } catch (err) {
      if (isStorageError(err, 'KeyExists')) return false;
      throw err;
    }
  }

  async function takenOffsets(): Promise<Set<number>> {
    const { items } = await storage.list(prefix);
    const taken = new Set<number>();
    for (const kv of items) {
      const off = offsetOf(kv.key.slice(prefix.length));
      if (off !== undefined) taken.add(off);
    }
    return taken;
  }

  const randomOffset = (): number => firstDynamic + Math.floor(Math.random() * dynamicCount);

  return {
    cidr: normalised,
    size,

    contains: (ip) => offsetOf(ip) !== undefined,

    async allocate(owner) {
      for (let i = 0; i < RANDOM_TRIES && dynamicCount > 0; i++) {
        const off = randomOffset();
        if (await claim(off, owner)) return toAddress(base + off);
      }
      // Crowded: walk the free addresses from a random point, so concurrent allocators spread out.
      const taken = await takenOffsets();
      const start = randomOffset();
      for (let i = 0; i < dynamicCount; i++) {
        const off = firstDynamic + ((start - firstDynamic + i) % dynamicCount);
        if (taken.has(off)) continue;
        if (await claim(off, owner)) return toAddress(base + off);
      }
      throw new AllocatorError('Full', 'range is full');
    },

    async allocateSpecific(ip, owner) {
      if (parseIp(ip) === undefined) throw new AllocatorError('Invalid', `"${ip}" is not a valid IPv4 address`);
      const off = offsetOf(ip);
      if (off === undefined) {
        throw new AllocatorError('NotInRange', `provided IP is not in the valid range. The range of valid IPs is ${normalised}`);
      }
      if (!(await claim(off, owner))) throw new AllocatorError('Allocated', 'provided IP is already allocated');
    },

    async release(ip) {
      const off = offsetOf(ip);
      if (off === undefined) return;
      try {
        await storage.delete(keyOf(off));
      } catch (err) {
        if (!isStorageError(err, 'KeyNotFound')) throw err;
      }
    },

    async isAllocated(ip) {
      const off = offsetOf(ip);
      return off !== undefined && (await storage.get(keyOf(off))) !== undefined;
    },

    async allocated() {
      return [...(await takenOffsets())].sort((a, b) => a - b).map((off) => toAddress(base + off));
    },

    async repair(liveOwners, options = {}) {
      const minAgeMs = options.minAgeMs ?? 0;
      const { items } = await storage.list(prefix);
      const released: string[] = [];
      for (const kv of items) {
        const alloc = parseAllocation(kv.value);
        // An unreadable record has no owner to keep it.
        if (alloc) {
          const age = Date.now() - Date.parse(alloc.allocatedAt);
          if (age < minAgeMs || (await liveOwners(alloc.owner, kv.key.slice(prefix.length)))) continue;
        }
        try {
          // Only if unchanged since the list: a concurrent re-allocation must survive.
          await storage.delete(kv.key, kv.modRevision);
          released.push(kv.key.slice(prefix.length));
        } catch (err) {
          if (!isStorageError(err, 'KeyNotFound') && !isStorageError(err, 'Conflict')) throw err;
        }
      }
      return released.sort((a, b) => (parseIp(a) ?? 0) - (parseIp(b) ?? 0));
    },
  };
}
