/**
 * The name of a signed-in member's cookie (set and checked by server/members/member-cookies.ts).
 * The landing page only looks at whether it is there, to ask for the member's view only then:
 * a driver who never signed in is not sent a 401 (an error in the browser's console).
 */
export const MEMBER_COOKIE = 'pp_member';
