// The admin API's answers (`admin.users.list`, `admin.audit`), as the components here read them.

export type AdminUser = {
  id: number;
  email: string;
  role: 'admin' | 'user';
  disabled: boolean;
  created_at: string;
  must_change_password: boolean;
};

export type UserChanges = { disabled?: boolean; role?: 'admin' | 'user'; password?: string };

export type NewUser = { email: string; password: string; role: 'admin' | 'user' };

export type AuditEntry = {
  id: number;
  at: string;
  actor_id: number | null;
  actor_email: string | null;
  action: string;
  target_user_id: number | null;
  details: unknown;
};
