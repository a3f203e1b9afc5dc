/** The Flask-Session record codec lives in `serialization/records/`; this path re-exports it. */
export { FlaskSessionCodec, type FlaskSessionFormat } from '../serialization/records/flask-session.js';
