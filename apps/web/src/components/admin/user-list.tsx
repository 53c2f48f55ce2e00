import type { AdminUser, UserChanges } from '../../lib/api-types.ts';
import { UserRow } from './user-row.tsx';

type Props = {
  users: AdminUser[];
  viewerId: number;
  onUpdate: (id: number, changes: UserChanges) => Promise<unknown>;
};

/** Every account, oldest first, with disable, role and password reset (`admin.users.update`). */
export function UserList({ users, viewerId, onUpdate }: Props) {
  return (
    <div className="table-wrap">
      <table className="runs-table users-table">
        <caption className="visually-hidden">User accounts</caption>
        <thead>
          <tr>
            <th scope="col">E-mail</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <UserRow
              key={user.id}
              user={user}
              isViewer={user.id === viewerId}
              onUpdate={(changes) => onUpdate(user.id, changes)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
