/** Host paging works in 4 KiB pages: Sv32 and Sv32x4 leaf pages and the pool's frames. */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
