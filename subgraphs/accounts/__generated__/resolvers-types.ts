import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CustomerRef as CustomerRefModel, CustomerProfile as CustomerProfileModel, Account as AccountModel, Transaction as TransactionModel, TransactionPage as TransactionPageModel } from '../../../lib/domain.js';
import type { Money as MoneyModel } from '../../../lib/money.js';
import type { AccountsContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A calendar date in ISO 8601 form, e.g. "2024-01-31". */
  Date: { input: string; output: string; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** A deposit account held in core banking. */
export type Account = {
  __typename?: 'Account';
  /** Balance available to spend (ledger balance less holds). Null if it cannot be read. */
  availableBalance?: Maybe<Money>;
  /** Ledger balance. Null if it cannot be read. */
  balance?: Maybe<Money>;
  /** ISO 4217 code of the account's currency. */
  currency: Scalars['String']['output'];
  /** Our account id, e.g. acc-5001. */
  id: Scalars['ID']['output'];
  /** The product's name, e.g. Everyday Current. */
  name: Scalars['String']['output'];
  /** The account number the customer knows. */
  number: Scalars['String']['output'];
  /** Date the account was activated; null while it is not active. */
  openedOn?: Maybe<Scalars['Date']['output']>;
  status: AccountStatus;
  /** The account's transactions, newest first (reversed ones included, flagged). */
  transactions?: Maybe<TransactionConnection>;
};


/** A deposit account held in core banking. */
export type AccountTransactionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type AccountStatus =
  | 'ACTIVE'
  | 'APPROVED'
  | 'CLOSED'
  | 'REJECTED'
  | 'SUBMITTED';

/** What an audited field reads (lib/audited.ts). */
export type AuditCategory =
  /** Account numbers, balances, amounts, transactions, cards, wallets and payments. */
  | 'FINANCIAL'
  /** Know-your-customer results and risk ratings. */
  | 'KYC'
  /** Who a customer is: names, contact details, date of birth; a customer looked up by id. */
  | 'PERSONAL';

/** A customer of the bank. Core banking owns who the customer is; the other subgraphs add what their systems know. */
export type Customer = {
  __typename?: 'Customer';
  /** The customer's accounts (for a partner: the consented ones). Null when core banking cannot be reached. */
  accounts?: Maybe<Array<Account>>;
  /** Our customer id, e.g. cust-0001 (the same in every legacy system). */
  id: Scalars['ID']['output'];
  /** Who the customer is. Null when core banking cannot be reached. */
  profile?: Maybe<CustomerProfile>;
};

/** Who the customer is. Partners need party:read for any of it (contact details and date of birth included). */
export type CustomerProfile = {
  __typename?: 'CustomerProfile';
  customerSince?: Maybe<Scalars['Date']['output']>;
  /** Hidden from support staff. */
  dateOfBirth?: Maybe<Scalars['Date']['output']>;
  displayName: Scalars['String']['output'];
  /** Masked for support staff. */
  email?: Maybe<Scalars['String']['output']>;
  firstName: Scalars['String']['output'];
  lastName: Scalars['String']['output'];
  /** Masked for support staff. */
  phone?: Maybe<Scalars['String']['output']>;
  status: CustomerStatus;
};

export type CustomerStatus =
  | 'ACTIVE'
  | 'CLOSED'
  | 'PENDING';

/** An amount of money: an exact decimal string in major units (never a float) and its ISO 4217 currency code. */
export type Money = {
  __typename?: 'Money';
  /** Exact decimal, e.g. "2450.75"; as many decimals as the currency has (JPY none, EUR two, KWD three). */
  amount: Scalars['String']['output'];
  /** ISO 4217 alphabetic code, e.g. EUR. */
  currency: Scalars['String']['output'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /**
   * An account by id: the owner's, or any for staff (null for an id the bank does not know), or for a partner one of
   * the consented accounts. A customer or partner asking for an id that is not theirs (or not consented) gets FORBIDDEN,
   * whether or not it exists.
   */
  account?: Maybe<Account>;
  /** A customer by id (staff; a partner, the consented customer). */
  customer?: Maybe<Customer>;
  /** Customers by id, in the order asked (staff only; at most 100). */
  customers: Array<Maybe<Customer>>;
  /** The signed-in customer. */
  me?: Maybe<Customer>;
};


export type QueryAccountArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCustomerArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCustomersArgs = {
  ids: Array<Scalars['ID']['input']>;
};

export type Transaction = {
  __typename?: 'Transaction';
  /** Always positive; the direction is in type. */
  amount: Money;
  bookedOn: Scalars['Date']['output'];
  description: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** The external reference the writer gave, if any. */
  reference?: Maybe<Scalars['String']['output']>;
  /**
   * True when the transaction was reversed (undone) after it was booked. It stays in the history for the record, but
   * no money moved: the balance and runningBalance of later transactions leave it out.
   */
  reversed: Scalars['Boolean']['output'];
  /** The balance after this transaction, when core banking reports it. */
  runningBalance?: Maybe<Money>;
  type: TransactionType;
};

export type TransactionConnection = {
  __typename?: 'TransactionConnection';
  nodes: Array<Transaction>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

/** What a transaction did. New values may be added: treat one you do not know as OTHER. */
export type TransactionType =
  | 'DEPOSIT'
  /** A fee or charge, overdraft interest included. */
  | 'FEE'
  /** Funds put on hold: the available balance goes down, the ledger balance does not. */
  | 'HOLD'
  /** A hold released: the available balance goes back up. */
  | 'HOLD_RELEASE'
  /** Interest (or a dividend) paid to the customer. */
  | 'INTEREST'
  /** A kind core banking has that has no name here (a charge waiver, a write-off); the description says which. */
  | 'OTHER'
  /** Tax withheld (for example on interest). */
  | 'TAX'
  | 'TRANSFER_IN'
  | 'TRANSFER_OUT'
  | 'WITHDRAWAL';

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Account: Account;
  Customer: Customer;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Account:
    ( { __typename: 'Account' }
    & GraphQLRecursivePick<FederationTypes['Account'], {"id":true}> );
  Customer:
    ( { __typename: 'Customer' }
    & GraphQLRecursivePick<FederationTypes['Customer'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Account: ResolverTypeWrapper<AccountModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  AccountStatus: AccountStatus;
  AuditCategory: AuditCategory;
  Customer: ResolverTypeWrapper<CustomerRefModel>;
  CustomerProfile: ResolverTypeWrapper<CustomerProfileModel>;
  CustomerStatus: CustomerStatus;
  Date: ResolverTypeWrapper<Scalars['Date']['output']>;
  Money: ResolverTypeWrapper<MoneyModel>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Transaction: ResolverTypeWrapper<TransactionModel>;
  TransactionConnection: ResolverTypeWrapper<TransactionPageModel>;
  TransactionType: TransactionType;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Account: AccountModel;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Customer: CustomerRefModel;
  CustomerProfile: CustomerProfileModel;
  Date: Scalars['Date']['output'];
  Money: MoneyModel;
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  Query: Record<PropertyKey, never>;
  Transaction: TransactionModel;
  TransactionConnection: TransactionPageModel;
  String: Scalars['String']['output'];
}>;

export type AuditedDirectiveArgs = {
  category: AuditCategory;
};

export type AuditedDirectiveResolver<Result, Parent, ContextType = AccountsContext, Args = AuditedDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ScopesDirectiveArgs = {
  requires: Array<Scalars['String']['input']>;
};

export type ScopesDirectiveResolver<Result, Parent, ContextType = AccountsContext, Args = ScopesDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AccountResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['Account'] = ResolversParentTypes['Account'], FederationReferenceType extends FederationReferenceTypes['Account'] = FederationReferenceTypes['Account']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Account']> | FederationReferenceType, FederationReferenceType, ContextType>;
  availableBalance?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  balance?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  number?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  openedOn?: Resolver<Maybe<ResolversTypes['Date']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AccountStatus'], ParentType, ContextType>;
  transactions?: Resolver<Maybe<ResolversTypes['TransactionConnection']>, ParentType, ContextType, RequireFields<AccountTransactionsArgs, 'first'>>;
}>;

export type CustomerResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer'], FederationReferenceType extends FederationReferenceTypes['Customer'] = FederationReferenceTypes['Customer']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']> | FederationReferenceType, FederationReferenceType, ContextType>;
  accounts?: Resolver<Maybe<Array<ResolversTypes['Account']>>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  profile?: Resolver<Maybe<ResolversTypes['CustomerProfile']>, ParentType, ContextType>;
}>;

export type CustomerProfileResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['CustomerProfile'] = ResolversParentTypes['CustomerProfile']> = ResolversObject<{
  customerSince?: Resolver<Maybe<ResolversTypes['Date']>, ParentType, ContextType>;
  dateOfBirth?: Resolver<Maybe<ResolversTypes['Date']>, ParentType, ContextType>;
  displayName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  firstName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lastName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['CustomerStatus'], ParentType, ContextType>;
}>;

export interface DateScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Date'], any> {
  name: 'Date';
}

export type MoneyResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['Money'] = ResolversParentTypes['Money']> = ResolversObject<{
  amount?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  account?: Resolver<Maybe<ResolversTypes['Account']>, ParentType, ContextType, RequireFields<QueryAccountArgs, 'id'>>;
  customer?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType, RequireFields<QueryCustomerArgs, 'id'>>;
  customers?: Resolver<Array<Maybe<ResolversTypes['Customer']>>, ParentType, ContextType, RequireFields<QueryCustomersArgs, 'ids'>>;
  me?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType>;
}>;

export type TransactionResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['Transaction'] = ResolversParentTypes['Transaction']> = ResolversObject<{
  amount?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  bookedOn?: Resolver<ResolversTypes['Date'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  reference?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  reversed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  runningBalance?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['TransactionType'], ParentType, ContextType>;
}>;

export type TransactionConnectionResolvers<ContextType = AccountsContext, ParentType extends ResolversParentTypes['TransactionConnection'] = ResolversParentTypes['TransactionConnection']> = ResolversObject<{
  nodes?: Resolver<Array<ResolversTypes['Transaction']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = AccountsContext> = ResolversObject<{
  Account?: AccountResolvers<ContextType>;
  Customer?: CustomerResolvers<ContextType>;
  CustomerProfile?: CustomerProfileResolvers<ContextType>;
  Date?: GraphQLScalarType;
  Money?: MoneyResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Transaction?: TransactionResolvers<ContextType>;
  TransactionConnection?: TransactionConnectionResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = AccountsContext> = ResolversObject<{
  audited?: AuditedDirectiveResolver<any, any, ContextType>;
  scopes?: ScopesDirectiveResolver<any, any, ContextType>;
}>;
