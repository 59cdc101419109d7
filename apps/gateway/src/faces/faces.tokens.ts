/** Injection token of the face API's configuration (FacesConfig). */
export const FACES_CONFIG = Symbol('FACES_CONFIG');
