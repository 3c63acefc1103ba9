/// <reference types="@webgpu/types" />

/**
 * GPU buffers kept for reuse by size bucket: creating a buffer costs far more than reusing
 * one, and a program's buffers come back at the same sizes on every run. Buckets are powers
 * of two split in quarters (at most 25% slack), at least 256 bytes.
 */
export function bucketOf(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = Math.max(64, p / 4);
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private pooled = 0;

  constructor(
    private readonly create: (bytes: number) => GPUBuffer,
    /** Bytes kept idle at most; beyond it released buffers are destroyed. */
    private readonly maxPooledBytes: number,
    /** The device's largest buffer: the last bucket ends there. */
    private readonly maxBucket: number,
  ) {}

  /** A buffer of at least `bytes` (its `size` is the bucket). */
  acquire(bytes: number): GPUBuffer {
    const bucket = Math.min(bucketOf(bytes), Math.max(bytes, this.maxBucket));
    const list = this.free.get(bucket);
    const hit = list?.pop();
    if (hit) {
      this.pooled -= bucket;
      return hit;
    }
    return this.create(bucket);
  }

  release(buffer: GPUBuffer): void {
    const bucket = buffer.size;
    if (this.pooled + bucket > this.maxPooledBytes) {
      buffer.destroy();
      return;
    }
    const list = this.free.get(bucket) ?? [];
    list.push(buffer);
    this.free.set(bucket, list);
    this.pooled += bucket;
  }

  /** Destroys every idle buffer (to free memory before retrying an allocation). */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooled = 0;
  }

  get idleBytes(): number {
    return this.pooled;
  }
}
