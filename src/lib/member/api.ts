/**
 * The member's side of the API (`/api/member/*`), for the member page and the landing page's
 * member panel. The shapes mirror server/members/member-service.ts `MemberView`.
 */
export interface MemberView {
  member: { name?: string; phoneNumber?: string };
  agreement?: { state: 'pending' | 'active' | 'stopped' | 'expired'; limitOre: number; suggestedMaxOre: number; maxOre?: number; confirmationUrl?: string };
  today: { date: string; usedOre: number; running: number; limitOre: number };
  blocked?: { reason: 'no-agreement' | 'agreement-pending' | 'agreement-ended' | 'debt' | 'limit-reached'; detail: string; debtOre?: number };
  presetsOre: number[];
  defaultLimitOre: number;
  charges: Array<{
    id: string;
    date: string;
    amountOre: number;
    description: string;
    state: 'planned' | 'created' | 'charged' | 'failed' | 'cancelled' | 'settled';
    failureReason?: string;
    lines: Array<{ id: string; name: string; totalOre: number; vatOre: number; quantity?: string }>;
  }>;
}

export class MemberApiError extends Error {
  constructor(
    public readonly status: number,
    message: string
  ) {
    super(message);
  }
}

/** One call; a problem+json answer becomes a MemberApiError with its `detail`. */
export async function memberCall<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await fetch(`/api/member${path}`, {
    method,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {})
  });
  if (!res.ok) {
    const p = (await res.json().catch(() => ({}))) as { detail?: string };
    throw new MemberApiError(res.status, p.detail ?? `Request failed (${res.status}).`);
  }
  return (await res.json()) as T;
}

/** The signed-in member's view, or null when nobody is signed in. */
export async function loadMember(): Promise<MemberView | null> {
  try {
    return await memberCall<MemberView>('/me');
  } catch (err) {
    if (err instanceof MemberApiError && err.status === 401) return null;
    throw err;
  }
}
