export {
  AllocatorError,
  createServiceIpAllocator,
  type AllocatorErrorCode,
  type RepairOptions,
  type ServiceIpAllocator,
  type ServiceIpAllocatorOptions,
} from './service-ip-allocator.js';
