import { useEffect, useState } from 'preact/hooks';

/** The width below which the console uses its phone layout (the stylesheet's breakpoint). */
export const NARROW = '(max-width: 720px)';

/** True while the media query matches; follows resizes and rotations. */
export function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const update = () => setMatches(list.matches);
    update();
    list.addEventListener('change', update);
    return () => list.removeEventListener('change', update);
  }, [query]);
  return matches;
}
